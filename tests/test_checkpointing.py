"""Claims of docs/*/checkpointing.md that its printed outputs do not show, and its measurements.

Memory is counted (saved-tensor hooks) or measured (the profiler's allocation events) here exactly,
because it does not depend on the machine; the committed CSV's times are checked only as loose
ratios, never as times.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from checkpoint_data import STRATEGIES, column, read_measurements
from measure_memory import (
    COLUMNS,
    DEPTHS,
    chain,
    checkpoint_each_layer,
    no_checkpoint,
    one_checkpoint,
    peak_bytes,
    saved_bytes,
    silu,
    sqrt_segments,
)
from other_releases import OTHER_RELEASES, run_on
from torch.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential

from course.steps import page_facts
from course.steps.figures import run_script
from course.steps.page_facts import fill_in

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "snippets" / "checkpointing"


MIB = 2**20
RUNS = {
    "none": no_checkpoint,
    "whole": one_checkpoint,
    "each_layer": checkpoint_each_layer,
    "sqrt_segments": sqrt_segments,
}


def leaf(n=256, seed=0):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed), requires_grad=True)


def expected_saved_tensors(strategy: str, depth: int) -> int:
    """Tensors of x's size the graph holds after the forward pass (the page's reasoning)."""
    s = math.isqrt(depth)
    return {"none": 2 * depth, "whole": 1, "each_layer": depth, "sqrt_segments": (s - 1) + 2 * (depth // s)}[strategy]


def gradient(run, x, depth):
    x.grad = None
    run(x, depth).sum().backward()
    g, x.grad = x.grad, None
    return g


# --- what the graph saves ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 4, 9, 16, 25])
@pytest.mark.parametrize("strategy", list(RUNS))
def test_saved_bytes_follow_the_page_s_count(strategy, depth):
    x = leaf()
    _, _, nbytes = saved_bytes(lambda: RUNS[strategy](x, depth))
    assert nbytes == expected_saved_tensors(strategy, depth) * x.nbytes


@pytest.mark.parametrize("depth", [4, 16, 64])
def test_checkpointing_saves_fewer_bytes_than_no_checkpoint(depth):
    x = leaf()
    _, _, without = saved_bytes(lambda: chain(x, depth))
    for strategy in ("whole", "each_layer", "sqrt_segments"):
        _, _, with_checkpoint = saved_bytes(lambda: RUNS[strategy](x, depth))
        assert with_checkpoint < without


def test_sigmoid_output_is_saved_twice_but_counted_once():
    x = leaf()
    _, count, nbytes = saved_bytes(lambda: silu(x))
    assert count == 3 and nbytes == 2 * x.nbytes  # x, sigmoid(x) and sigmoid(x) again


def test_mul_saves_both_factors_here_because_both_require_grad():
    x = leaf()
    mul = silu(x).grad_fn
    assert mul._saved_self is not None and mul._saved_other is not None
    # With a constant factor, the leaf itself is not needed: only the constant is saved.
    _, count, _ = saved_bytes(lambda: x * torch.full_like(x, 2.0))
    assert (x * torch.full_like(x, 2.0)).grad_fn._saved_self is None and count == 1


def test_the_shown_regions_carry_no_comments_since_both_languages_show_them():
    import io
    import tokenize

    source = (HERE / "measure_memory.py").read_text(encoding="utf-8")
    for region in ("chain", "saved-bytes", "strategies"):
        shown = source.split(f"# --8<-- [start:{region}]")[1].split(f"# --8<-- [end:{region}]")[0]
        tokens = tokenize.generate_tokens(io.StringIO(shown).readline)
        assert not [t.string for t in tokens if t.type == tokenize.COMMENT], region
        assert '"""' not in shown, region
    for page in ("zh", "en"):
        text = (ROOT / "docs" / page / "checkpointing.md").read_text(encoding="utf-8")
        assert set(re.findall(r'measure_memory\.py:([\w-]+)"', text)) == {"chain", "saved-bytes", "strategies"}


def test_innermost_saved_tensor_hooks_win():
    outer, inner = [], []
    x = leaf()
    with torch.autograd.graph.saved_tensors_hooks(lambda t: outer.append(t) or t, lambda t: t):
        with torch.autograd.graph.saved_tensors_hooks(lambda t: inner.append(t) or t, lambda t: t):
            x.exp()
        x.sin()
    assert len(inner) == 1 and len(outer) == 1


# --- recomputation and identical gradients -------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 9, 16])
def test_every_strategy_gives_bit_identical_gradients(depth):
    x = leaf(1024)
    plain = gradient(no_checkpoint, x, depth)
    for strategy in ("whole", "each_layer", "sqrt_segments"):
        assert torch.equal(gradient(RUNS[strategy], x, depth), plain), strategy


def test_checkpointed_function_runs_once_in_forward_and_once_more_in_backward():
    calls = []
    x = leaf()
    y = checkpoint(lambda t: calls.append(1) or chain(t, 4), x, use_reentrant=False)
    assert len(calls) == 1
    y.sum().backward()
    assert len(calls) == 2


def test_exercise_retain_graph_recomputes_once_per_backward_and_accumulates():
    calls = []
    x = leaf()
    y = checkpoint(lambda t: calls.append(1) or chain(t, 16), x, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    once = x.grad.clone()
    y.backward()
    assert len(calls) == 3
    assert torch.equal(x.grad, 2 * once)


def test_random_numbers_are_replayed_in_the_recomputation():
    x = leaf()

    def noisy(t):
        return F.dropout(silu(t), p=0.5, training=True)

    torch.manual_seed(3)
    noisy(x).sum().backward()
    plain, x.grad = x.grad, None
    torch.manual_seed(3)
    checkpoint(noisy, x, use_reentrant=False).sum().backward()
    assert torch.equal(x.grad, plain)
    assert (plain == 0).any()  # dropout really dropped something


def test_without_preserve_rng_state_dropout_is_drawn_again_and_the_gradient_differs_silently():
    x = leaf()

    def noisy(t):
        return F.dropout(chain(t, 4), p=0.5, training=True)

    torch.manual_seed(0)
    noisy(x).sum().backward()
    plain, x.grad = x.grad, None
    torch.manual_seed(0)
    checkpoint(noisy, x, use_reentrant=False, preserve_rng_state=False).sum().backward()  # no error
    assert not torch.equal(x.grad, plain)


def test_the_default_determinism_check_compares_only_shape_dtype_and_device():
    from torch.utils.checkpoint import _allowed_determinism_checks_to_fns

    meta = _allowed_determinism_checks_to_fns["default"](torch.zeros(2, 3))
    assert set(meta) == {"shape", "dtype", "device"}


def recomputed_with(check, forward_extra, recompute_extra, x):
    """Backward of a checkpoint whose function saves one more tensor (sin) in forward or recomputation."""
    extra = [forward_extra]

    def f(t):
        y = t.exp()  # saves its result
        return y.sin() if extra[0] else y  # sin saves its input

    out = checkpoint(f, x, use_reentrant=False, determinism_check=check)
    extra[0] = recompute_extra
    out.sum().backward()


@pytest.mark.parametrize("check", ["default", "none"])
def test_the_number_of_saved_tensors_is_checked_whatever_determinism_check_says(check):
    x = leaf(3)
    with pytest.raises(CheckpointError, match="A different number of tensors was saved"):
        recomputed_with(check, forward_extra=True, recompute_extra=False, x=x)  # fewer in the recomputation
    recomputed_with(check, forward_extra=False, recompute_extra=True, x=x)  # more: it stops early, no error
    with torch.utils.checkpoint.set_checkpoint_early_stop(False):
        with pytest.raises(CheckpointError, match="trying to save more tensors"):
            recomputed_with(check, forward_extra=False, recompute_extra=True, x=x)


def test_determinism_check_none_turns_off_only_the_shape_dtype_device_comparison():
    x = leaf(3)
    for check, raised in [("default", CheckpointError), ("none", RuntimeError)]:
        short = [False]
        out = checkpoint(
            lambda t: (t[:2] if short[0] else t).exp().sum(), x, use_reentrant=False, determinism_check=check
        )
        short[0] = True
        with pytest.raises(raised) as caught:
            out.backward()
        # "none": no CheckpointError; the wrong shape only fails later, in the backward formula itself.
        assert ("different metadata" in str(caught.value)) == (check == "default")


def test_recomputed_values_are_the_same_bits_under_every_cpu_capability():
    # "The CPU kernels this chain uses are deterministic": the page's equalities, in a process
    # of its own for each capability this machine can run.
    code = (
        "import torch\n"
        "from measure_memory import chain\n"
        "from torch.utils.checkpoint import checkpoint\n"
        "x = torch.randn(1024, generator=torch.Generator().manual_seed(0), requires_grad=True)\n"
        "checkpoint(chain, x, 16, use_reentrant=False).sum().backward(); a, x.grad = x.grad, None\n"
        "chain(x, 16).sum().backward(); assert torch.equal(a, x.grad)\n"
    )
    for capability in ("default", None):
        env = {**os.environ, "PYTHONPATH": str(HERE)}  # measure_memory's folder, as a script of it sees it
        env.pop("ATEN_CPU_CAPABILITY", None)
        if capability:
            env["ATEN_CPU_CAPABILITY"] = capability
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


def test_a_retained_graph_keeps_the_checkpoint_s_input_for_a_second_backward():
    x = leaf()
    y = checkpoint(chain, x, 4, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    y.backward()  # no error
    x.grad = None
    (g,) = torch.autograd.grad(checkpoint(chain, x, 4, use_reentrant=False).sum(), x, create_graph=True)
    assert g.requires_grad


def test_recomputation_with_another_shape_raises_and_other_values_are_silently_wrong():
    x = leaf(3)
    short = [False]
    out = checkpoint(lambda t: (t[:2] if short[0] else t).exp().sum(), x, use_reentrant=False)
    short[0] = True
    with pytest.raises(CheckpointError, match="different metadata"):
        out.backward()
    assert issubclass(CheckpointError, RuntimeError)

    scale = [1.0]
    x.grad = None
    checkpoint(lambda t: (t * scale[0]).exp(), x, use_reentrant=False).sum().backward()
    right, x.grad = x.grad, None
    out = checkpoint(lambda t: (t * scale[0]).exp(), x, use_reentrant=False)
    scale[0] = 2.0
    out.sum().backward()  # no error
    assert not torch.allclose(x.grad, right)


def test_non_reentrant_checkpoint_stops_recomputing_early():
    reached = []

    def f(t):
        y = t.exp()  # the only tensor saved inside
        reached.append(1)
        return y + 1

    for use_reentrant, calls in [(False, 1), (True, 2)]:
        reached.clear()
        checkpoint(f, leaf(3), use_reentrant=use_reentrant).sum().backward()
        assert len(reached) == calls


def test_checkpoint_sequential_leaves_the_last_segment_unchecked():
    x = leaf()
    _, count, nbytes = saved_bytes(lambda: checkpoint_sequential([silu] * 16, 4, x, use_reentrant=False))
    assert count == 3 + 3 * 4  # 3 segment inputs, then 4 plain layers of 3 saves each
    assert nbytes == (3 + 8) * x.nbytes


def test_exercise_builtin_silu_saves_one_tensor_per_layer_and_rounds_differently():
    x = leaf(1024)

    def builtin_chain(t, depth):
        for _ in range(depth):
            t = F.silu(t)
        return t

    y, count, nbytes = saved_bytes(lambda: builtin_chain(x, 16))
    assert y.grad_fn.name() == "SiluBackward0"
    assert count == 16 and nbytes == 16 * x.nbytes
    builtin = gradient(builtin_chain, x, 16)
    handwritten = gradient(chain, x, 16)
    assert torch.allclose(builtin, handwritten) and not torch.equal(builtin, handwritten)


# --- use_reentrant ---------------------------------------------------------------------------------


def caught_warnings(action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_omitting_use_reentrant_only_warns_and_picks_the_reentrant_variant():
    major, minor = (int(p) for p in torch.__version__.split(".")[:2])
    assert (major, minor) >= (2, 9)  # the warning promises an exception from 2.9 on; there is none
    y, messages = caught_warnings(lambda: checkpoint(torch.tanh, leaf(3)))
    assert y.grad_fn.name() == "CheckpointFunctionBackward"
    assert len(messages) == 1 and "use_reentrant=False is recommended" in messages[0]
    assert "2.9" in messages[0] and "raise an exception" in messages[0]
    y, messages = caught_warnings(lambda: checkpoint_sequential([silu] * 4, 2, leaf(3)))
    assert any("checkpoint_sequential: the use_reentrant parameter should be passed explicitly" in m for m in messages)
    _, messages = caught_warnings(lambda: checkpoint(torch.tanh, leaf(3), use_reentrant=False))
    assert messages == []


def test_reentrant_checkpoint_loses_the_weights_gradient_when_the_input_needs_none():
    w = leaf(8, seed=1)
    data = torch.randn(8, generator=torch.Generator().manual_seed(2))
    h, messages = caught_warnings(lambda: checkpoint(lambda t: silu(w * t), data, use_reentrant=True))
    assert not h.requires_grad
    assert messages == ["None of the inputs have requires_grad=True. Gradients will be None"]
    h = checkpoint(lambda t: silu(w * t), data, use_reentrant=False)
    h.sum().backward()
    assert w.grad is not None and w.grad.abs().sum() > 0


def test_the_reentrant_checkpoint_still_gives_the_weight_its_direct_term_outside_the_segment():
    """Only the gradient through the segment is lost: (h * w).sum() reaches w directly as well."""
    w = leaf(8, seed=1)
    data = torch.randn(8, generator=torch.Generator().manual_seed(2))
    h, _ = caught_warnings(lambda: checkpoint(lambda t: silu(w * t), data, use_reentrant=True))
    (h * w).sum().backward()
    assert torch.equal(w.grad, h.detach())
    w_full = w.detach().clone().requires_grad_()
    h_full = silu(w_full * data)
    (h_full * w_full).sum().backward()
    assert not torch.allclose(w.grad, w_full.grad)  # the term through silu is missing


def test_the_reentrant_variant_runs_the_forward_pass_without_recording():
    recording = []

    def f(t):
        recording.append(torch.is_grad_enabled())
        return t.exp()

    x = leaf(3)
    checkpoint(f, x, use_reentrant=True).sum().backward()
    checkpoint(f, x, use_reentrant=False).sum().backward()
    # reentrant: forward under no_grad, recomputation recorded; non-reentrant: both recorded
    assert recording == [False, True, True, True]


def test_cpu_has_no_memory_counter_like_cuda_s():
    assert not [name for name in dir(torch.cpu) if "mem" in name.lower()]
    if not torch.accelerator.is_available():
        with pytest.raises(RuntimeError, match="none is available"):
            torch.accelerator.max_memory_allocated()


def test_only_the_non_reentrant_checkpoint_takes_keyword_arguments_and_autograd_grad():
    x = leaf(3)
    with pytest.raises(ValueError, match="Unexpected keyword arguments"):
        checkpoint(chain, x, use_reentrant=True, depth=2)
    y = checkpoint(chain, x, use_reentrant=False, depth=2)
    (dx,) = torch.autograd.grad(y.sum(), x)
    assert torch.equal(dx, torch.autograd.grad(chain(x, 2).sum(), x)[0])
    with pytest.raises(RuntimeError, match="incompatible with .grad()"):
        torch.autograd.grad(checkpoint(chain, x, 2, use_reentrant=True).sum(), x)


# --- peak memory, measured with the profiler --------------------------------------------------------


def test_peak_bytes_follows_allocations_and_frees():
    def run():
        a = torch.empty(1000)
        b = torch.empty(1000)  # noqa: F841 - held until the end
        del a
        c = torch.empty(500)  # noqa: F841

    assert peak_bytes(run) == 8000  # held: 4000, 8000, 4000, 6000 bytes


def forward_backward(run, x, depth):
    run(x, depth).sum().backward()
    x.grad = None


def test_one_checkpoint_around_everything_does_not_lower_the_peak():
    x = leaf(4096)
    plain = peak_bytes(lambda: forward_backward(no_checkpoint, x, 16))
    whole = peak_bytes(lambda: forward_backward(one_checkpoint, x, 16))
    segments = peak_bytes(lambda: forward_backward(sqrt_segments, x, 16))
    assert abs(whole - plain) < x.nbytes
    assert segments < 0.5 * plain


def test_exercise_the_peak_against_the_number_of_segments_is_u_shaped():
    x = leaf(4096)

    def peak(segments):
        return peak_bytes(
            lambda: forward_backward(
                lambda t, d: checkpoint_sequential([silu] * d, segments, t, use_reentrant=False), x, 64
            )
        )

    peaks = {s: peak(s) for s in (2, 4, 8, 16, 32)}
    assert min(peaks, key=peaks.get) in (8, 16)
    for best in (8, 16):
        assert peaks[best] < peaks[4] < peaks[2]
        assert peaks[best] < peaks[32]
    assert [s + 2 * 64 // s for s in (2, 4, 8, 16, 32)] == [66, 36, 24, 24, 36]  # the answer's M(s)


# --- the committed measurements ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured():
    return read_measurements()


def peak_mib(rows, strategy, depth):
    depths, peaks = column(rows, strategy, "peak_bytes")
    return peaks[depths.index(depth)] / MIB


def test_csv_records_machine_torch_and_date_and_has_every_row(measured):
    about, rows = measured
    assert about["machine"] and int(about["processors"]) >= 1
    assert about["torch"].startswith("2.")
    datetime.date.fromisoformat(about["date"])
    assert int(about["elements per tensor"]) == 2**18
    assert list(rows[0]) == COLUMNS
    assert sorted((r["strategy"], int(r["depth"])) for r in rows) == sorted((s, d) for s in STRATEGIES for d in DEPTHS)


def test_csv_saved_bytes_are_what_the_hooks_count_now(measured):
    about, rows = measured
    tensor = int(about["elements per tensor"]) * 4
    for r in rows:
        assert int(r["saved_bytes"]) == expected_saved_tensors(r["strategy"], int(r["depth"])) * tensor


def test_csv_peaks_tell_the_page_s_story(measured):
    _, rows = measured
    largest = max(DEPTHS)
    none = peak_mib(rows, "none", largest)
    assert 120 < none < 140  # "about 129 MiB at 64 layers"
    slope = (none - peak_mib(rows, "none", 16)) / (largest - 16)
    assert 1.9 < slope < 2.1  # "about 2 MiB more per layer"
    for depth in DEPTHS:
        assert abs(peak_mib(rows, "whole", depth) - peak_mib(rows, "none", depth)) < 0.1  # about the same
        assert (
            peak_mib(rows, "sqrt_segments", depth) < peak_mib(rows, "each_layer", depth) < peak_mib(rows, "none", depth)
        )
    assert 0.4 < peak_mib(rows, "each_layer", largest) / none < 0.6  # "about half"
    assert peak_mib(rows, "sqrt_segments", largest) < none / 5  # "less than a fifth"
    assert abs(peak_mib(rows, "sqrt_segments", largest) - (8 + 2 * largest / 8)) < 2  # M(8) = 24
    # Growth: sqrt(N) segments grow like sqrt(N), the others like N.
    assert peak_mib(rows, "sqrt_segments", 64) / peak_mib(rows, "sqrt_segments", 16) < 2.5
    assert peak_mib(rows, "none", 64) / peak_mib(rows, "none", 16) > 3.5


def test_csv_resident_size_agrees_with_the_allocator_peak(measured):
    _, rows = measured
    for r in rows:
        assert abs(int(r["rss_increase_bytes"]) - int(r["peak_bytes"])) < MIB, r  # "less than 1 MiB"


def test_csv_checkpointing_costs_time_within_loose_bounds(measured):
    _, rows = measured
    depths, base = column(rows, "none", "median_seconds")
    for strategy in ("whole", "each_layer", "sqrt_segments"):
        _, seconds = column(rows, strategy, "median_seconds")
        ratios = [s / b for s, b in zip(seconds, base)]
        assert all(1.05 < r < 2.2 for r in ratios), (strategy, ratios)  # "about 1.1 to 2 times"
        if strategy == "sqrt_segments":
            assert all(r < 1.6 for r in ratios), ratios  # "about 15% to 50% more time"


# --- the figure ------------------------------------------------------------------------------------


def test_figure_script_only_reads_the_csv(measured, tmp_path):
    # Determinism and both themes: tests/test_figures.py.
    script = HERE / "fig_checkpoint_memory.py"
    source = script.read_text(encoding="utf-8")
    for measuring in ("perf_counter", "import time", "import torch", "import measure_memory", "from measure_memory"):
        assert measuring not in source
    assert "checkpoint_data" in source
    run_script(script, tmp_path)  # as the build runs it (course/steps/figures.py)
    labels = {"en": "peak memory of forward + backward (MiB)", "zh": "前向 + 反向的峰值内存（MiB）"}
    for lang, label in labels.items():
        svg = (tmp_path / f"checkpoint_memory.{lang}.light.svg").read_text(encoding="utf-8")
        assert label in svg
        assert "processors" not in svg and "measured on" not in svg  # the machine is in the page's caption
        assert (tmp_path / f"checkpoint_memory.{lang}.dark.svg").exists()


DATA = "snippets/checkpointing/checkpoint_memory.csv"
CAPTIONS = {
    "en": "*Measured with torch {torch}; CPU architecture {machine}, processors: {processors}, torch using one thread; {date}.*",
    "zh": "*测量环境：torch {torch}，CPU 架构 {machine}，处理器个数 {processors}，torch 只用一个线程，{date}。*",
}


def caption_as_written(lang: str) -> str:
    page = (ROOT / "docs" / lang / "checkpointing.md").read_text(encoding="utf-8")
    (caption,) = [line for line in page.splitlines() if line.startswith("*") and "@@torch_version:" in line]
    return caption


def test_the_caption_is_filled_in_from_the_csv_s_torch_machine_processors_and_date(measured):
    about, _ = measured
    assert about["torch threads"] == "1"  # "one thread": measure_memory.py sets it, whatever the machine
    for lang, shape in CAPTIONS.items():
        caption = caption_as_written(lang)
        for line in ("torch_version", "machine", "processors", "date"):
            assert f"@@{line}:{DATA}@@" in caption  # course/steps/page_facts.py fills it in
        assert about["date"] not in caption and about["machine"] not in caption  # none of it is typed
        filled = shape.format(
            torch=about["torch"].split("+")[0],
            machine=about["machine"],
            processors=about["processors"],
            date=about["date"],
        )
        assert fill_in(caption) == filled


def test_after_make_measure_on_another_machine_the_caption_names_the_new_data(monkeypatch, tmp_path):
    committed = (ROOT / DATA).read_text(encoding="utf-8")
    today = datetime.date.today().isoformat()
    new = {"machine": "aarch64", "processors": "8", "date": today, "torch": "2.14.1+cpu"}
    rewritten = committed
    for line, value in new.items():
        rewritten, count = re.subn(rf"^# {line}: .*$", f"# {line}: {value}", rewritten, flags=re.M)
        assert count == 1, line
    (tmp_path / DATA).parent.mkdir(parents=True)
    (tmp_path / DATA).write_text(rewritten, encoding="utf-8")
    monkeypatch.setattr(page_facts, "ROOT", tmp_path)
    for lang, shape in CAPTIONS.items():
        expected = shape.format(torch="2.14.1", machine="aarch64", processors="8", date=today)
        assert fill_in(caption_as_written(lang)) == expected


OLDER_API = """
import inspect
import torch
from torch.utils import checkpoint
print(hasattr(torch.Tensor, "nbytes"), "determinism_check" in inspect.signature(checkpoint.checkpoint).parameters,
      hasattr(checkpoint, "CheckpointError"))
"""


@pytest.mark.parametrize(("release", "has_it"), [("2.14.1", "True True True"), ("2.0.1", "False False False")])
def test_the_page_needs_a_torch_newer_than_2_0_for_nbytes_determinism_check_and_checkpoint_error(release, has_it):
    assert run_on(release, OLDER_API).split() == has_it.split()
    page = (ROOT / "docs" / "en" / "checkpointing.md").read_text(encoding="utf-8")
    used = ["x.nbytes", 'determinism_check="', "CheckpointError"]
    assert all(name in page for name in used)


def test_one_whole_chain_checkpoint_peaks_above_none_by_the_saved_rng_state(measured):
    # "5,056 bytes more at every depth, the random number generator's state"; equal without it.
    _, rows = measured
    rng_state = torch.get_rng_state().numel()
    assert rng_state == 5056
    whole, none = (dict(zip(*column(rows, s, "peak_bytes"))) for s in ("whole", "none"))
    assert {d: whole[d] - none[d] for d in DEPTHS} == {d: rng_state for d in DEPTHS}
    x = leaf(4096)
    plain = peak_bytes(lambda: forward_backward(no_checkpoint, x, 16))
    assert peak_bytes(lambda: forward_backward(one_checkpoint, x, 16)) - plain == rng_state
    unpreserved = peak_bytes(
        lambda: forward_backward(
            lambda t, d: checkpoint(chain, t, d, use_reentrant=False, preserve_rng_state=False), x, 16
        )
    )
    assert unpreserved == plain


# --- moved from detach: "So is a tensor the function takes from outside, not as an argument, and that is changed in
# place between the two passes (through detach(), say): the recomputation uses the new values and nothing raises." ---


@pytest.mark.parametrize("reentrant", [False, True])
def test_an_in_place_change_through_detach_of_a_checkpointed_output_raises_nothing(reentrant):
    from torch.utils.checkpoint import checkpoint

    a = torch.ones(3, requires_grad=True)
    b = checkpoint(torch.exp, a, use_reentrant=reentrant)
    b.detach().mul_(0)
    b.sum().backward()  # no error: exp is recomputed from a, which did not change
    torch.testing.assert_close(a.grad, torch.full((3,), torch.e))


def _exp_times(w):
    return lambda t: t.exp() * w


@pytest.mark.parametrize("reentrant", [False, True])
def test_a_checkpoint_recomputes_its_intermediate_values_so_changing_one_it_returns_leaves_the_gradient_right(
    reentrant,
):
    from torch.utils.checkpoint import checkpoint

    def f(x):
        h = x.exp()
        return h, h.sin()

    a = torch.ones(3, requires_grad=True)
    h, s = checkpoint(f, a, use_reentrant=reentrant)
    h.detach().mul_(0)
    s.sum().backward()  # no error, and h is recomputed from a
    torch.testing.assert_close(a.grad, torch.e * torch.cos(torch.full((3,), torch.e)))


@pytest.mark.parametrize("captured", ["a leaf", "a non-leaf"])
@pytest.mark.parametrize("reentrant", [False, True])
def test_a_change_to_a_tensor_a_checkpointed_function_takes_from_outside_raises_nothing_and_gives_a_wrong_gradient(
    reentrant, captured
):
    from torch.utils.checkpoint import checkpoint

    w = torch.full((3,), 2.0, requires_grad=True)
    outside = w if captured == "a leaf" else w * 1
    x = torch.ones(3, requires_grad=True)
    y = checkpoint(lambda t: t * outside, x, use_reentrant=reentrant)
    outside.detach().mul_(0)
    y.sum().backward()  # no error
    assert torch.equal(x.grad, torch.zeros(3))  # the true gradient is 2 each


def test_a_change_to_a_checkpoint_input_does_not_always_raise_so_the_box_says_not_always():
    from torch.utils.checkpoint import checkpoint

    # Passed by position: the pinned torch (and 2.14.1, not 2.0.1 or 1.12.0) checks its version before it recomputes.
    a = torch.ones(3, requires_grad=True)
    b = checkpoint(torch.exp, a, use_reentrant=False)
    a.detach().mul_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()
    # Passed by keyword: not checked, and the gradient silently goes wrong.
    x = torch.ones(3, requires_grad=True)
    w = torch.full((3,), 2.0, requires_grad=True)
    y = checkpoint(lambda t, w=None: t.exp() * w, x, w=w, use_reentrant=False)
    w.detach().mul_(0)
    y.sum().backward()
    assert torch.equal(x.grad, torch.zeros(3))  # the true gradient is 2e each


@pytest.mark.parametrize("reentrant", [False, True])
def test_a_checkpoint_keeps_no_intermediate_value_of_its_segment_only_its_input(reentrant):
    from torch.utils.checkpoint import checkpoint

    kept = []

    def pack(t):
        kept.append(t)
        return t

    a = torch.ones(3, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        checkpoint(lambda t: t.exp().sin().exp(), a, use_reentrant=reentrant)
    # exp, sin and exp would save three tensors; the outer hooks see only the input a.
    assert len(kept) == 1 and kept[0] is a


CHECKPOINT_ON_RELEASE = """
import warnings; warnings.simplefilter("ignore")
import torch
from torch.utils.checkpoint import checkpoint
def f(x):
    h = x.exp(); return h, h.sin()
a = torch.ones(3, requires_grad=True); h, s = checkpoint(f, a, use_reentrant=False)
h.detach().mul_(0); s.sum().backward(); print("returned_intermediate_right", abs(a.grad[0].item() + 2.4783) < 1e-4)
w = torch.full((3,), 2.0, requires_grad=True); x = torch.ones(3, requires_grad=True)
y = checkpoint(lambda t: t * w, x, use_reentrant=False); w.detach().mul_(0); y.sum().backward()
print("captured_silently_wrong", x.grad.tolist() == [0.0, 0.0, 0.0])
a = torch.ones(3, requires_grad=True); b = checkpoint(torch.exp, a, use_reentrant=False); a.detach().mul_(0)
try:
    b.sum().backward(); print("positional_input_raises", False)
except RuntimeError:
    print("positional_input_raises", True)
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_in_place_sentences_of_the_box_hold_on_the_other_recorded_releases(release):
    out = run_on(release, CHECKPOINT_ON_RELEASE).split()
    assert dict(zip(out[::2], out[1::2])) == {
        "returned_intermediate_right": "True",
        "captured_silently_wrong": "True",
        # The box names only tensors taken from outside: a positional input is checked on newer releases only.
        "positional_input_raises": "True" if release == "2.14.1" else "False",
    }
