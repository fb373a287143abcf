"""Linear regression trained by gradient descent: by hand, then with torch.optim.SGD.

docs/grad-modes.*.md shows the regions below and fig_loss_curve.py imports them, so the loop on
the page is exactly the loop whose losses the figure draws.
"""

# --8<-- [start:data]
import torch

TRUE_W = torch.tensor([2.0, -3.4])
TRUE_B = 4.2


def make_data(n=200, seed=0):
    """n samples of y = 2 x1 - 3.4 x2 + 4.2, plus a little noise."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=gen)
    y = X @ TRUE_W + TRUE_B + 0.01 * torch.randn(n, generator=gen)
    return X, y
# --8<-- [end:data]


# --8<-- [start:manual]
def train_by_hand(X, y, lr=0.1, steps=50, zero_grads=True):
    # The parameters are leaf tensors: .grad is filled in for them.
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for step in range(steps):
        if zero_grads:
            # Clear last step's gradient, or backward() adds to it.
            w.grad = None
            b.grad = None
        loss = ((X @ w + b - y) ** 2).mean()  # forward, recorded
        loss.backward()                       # fills w.grad and b.grad
        with torch.no_grad():                 # the update is not part of the model
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())            # a Python float: no graph kept
    return w.detach(), b.detach(), losses
# --8<-- [end:manual]


# --8<-- [start:optim]
def train_with_sgd(X, y, lr=0.1, steps=50):
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()   # w.grad = None; b.grad = None
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        optimizer.step()        # the update, under no_grad inside
        losses.append(loss.item())
    return w.detach(), b.detach(), losses
# --8<-- [end:optim]


# --8<-- [start:plot]
def plot_losses(ax, curves, xlabel="step", ylabel="loss (mean squared error)"):
    """One line per (label, losses) pair, on a logarithmic loss axis."""
    for label, losses in curves:
        ax.plot(range(len(losses)), losses, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major")
    # The legend sits above the axes, clear of the curves.
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return ax
# --8<-- [end:plot]
