"""sin(x) and its derivative from autograd, without writing cos anywhere.

docs/sin-derivative.*.md shows the two regions below and fig_sin_derivative.py imports them,
so the code on the page is exactly the code that draws the figure.
"""

# --8<-- [start:derivative]
import torch


def sin_and_derivative(n=200):
    """x in [0, 2π], sin(x), and d sin/dx from one backward pass."""
    x = torch.linspace(0, 2 * torch.pi, n, requires_grad=True)
    y = torch.sin(x)
    # y_i depends on x_i only: the Jacobian is diagonal, so the gradient of
    # sum(y) holds every derivative dy_i/dx_i at once.
    y.sum().backward()
    # x and y still require grad and cannot become NumPy arrays (which is what
    # plotting does); x.grad records no graph and needs no detach.
    return x.detach(), y.detach(), x.grad
# --8<-- [end:derivative]


# --8<-- [start:plot]
def plot_sin_and_derivative(ax, x, y, dydx):
    """Both curves on a matplotlib Axes; colours come from the style."""
    ax.plot(x.numpy(), y.numpy(), label=r"$f(x) = \sin x$")
    ax.plot(
        x.numpy(), dydx.numpy(), linestyle="--",
        label=r"$\mathrm{d}f/\mathrm{d}x$ from autograd",
    )
    ax.axhline(0.0, linewidth=0.8, color=ax.xaxis.label.get_color())
    ax.set_xticks(
        [0, torch.pi / 2, torch.pi, 3 * torch.pi / 2, 2 * torch.pi],
        ["0", r"$\pi/2$", r"$\pi$", r"$3\pi/2$", r"$2\pi$"],
    )
    ax.set_xlim(0, 2 * torch.pi)
    ax.set_xlabel("x")
    ax.grid(True)
    # The legend sits above the axes, clear of both curves.
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
              frameon=False)
    return ax
# --8<-- [end:plot]
