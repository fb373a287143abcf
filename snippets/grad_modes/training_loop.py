"""Linear regression trained by gradient descent: by hand, then with torch.optim.SGD.

docs/*/grad-modes.md shows the regions below and fig_loss_curve.py imports them, so the loop on
the page is exactly the loop whose losses the figure draws. Both languages' pages show the same
regions, so they carry no comments or docstrings: the pages' prose explains each line.

make_data(n, seed): n samples of y = 2 x1 - 3.4 x2 + 4.2, plus a little noise.
train_by_hand: the parameters are leaf tensors; each step clears last step's gradient (or backward()
adds to it), computes the loss (recorded), fills w.grad and b.grad with backward(), updates under
no_grad (the update is not part of the model) and logs the loss as a Python float (no graph kept).
train_with_sgd: the same with optimizer.zero_grad() (w.grad = None, by default since torch 2.0) and
optimizer.step() (the update, under no_grad inside).
plot_losses: one line per (label, losses) pair on a logarithmic loss axis, the legend above the axes.
"""

# --8<-- [start:data]
import torch

TRUE_W = torch.tensor([2.0, -3.4])
TRUE_B = 4.2


def make_data(n=200, seed=0):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=gen)
    y = X @ TRUE_W + TRUE_B + 0.01 * torch.randn(n, generator=gen)
    return X, y
# --8<-- [end:data]


# --8<-- [start:manual]
def train_by_hand(X, y, lr=0.1, steps=50, zero_grads=True):
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for step in range(steps):
        if zero_grads:
            w.grad = None
            b.grad = None
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w.detach(), b.detach(), losses
# --8<-- [end:manual]


# --8<-- [start:optim]
def train_with_sgd(X, y, lr=0.1, steps=50):
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return w.detach(), b.detach(), losses
# --8<-- [end:optim]


# --8<-- [start:plot]
def plot_losses(ax, curves, xlabel="step", ylabel="loss (mean squared error)"):
    for label, losses in curves:
        ax.plot(range(len(losses)), losses, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return ax
# --8<-- [end:plot]
