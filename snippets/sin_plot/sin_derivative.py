"""sin(x) and the derivative autograd computes for it, plotted; cos is never written.

docs/<lang>/sin-derivative.md shows the region below as one block a learner can paste into Jupyter
or a script, and fig_sin_derivative.py runs this same file to draw the page's figure. The region has
no comments, since both languages show it.
"""

# --8<-- [start:plot]
import matplotlib.pyplot as plt
import torch

x = torch.linspace(0, 2 * torch.pi, 200, requires_grad=True)
y = torch.sin(x)
y.sum().backward()

plt.figure(figsize=(7, 3.6))
plt.plot(x.detach(), y.detach(), label="sin(x)")
plt.plot(x.detach(), x.grad, "--", label="x.grad")
plt.xticks([0, torch.pi / 2, torch.pi, 3 * torch.pi / 2, 2 * torch.pi], ["0", "π/2", "π", "3π/2", "2π"])
plt.xlabel("x")
plt.grid(True)
plt.legend()
plt.show()
# --8<-- [end:plot]
