"""The update rule of a run as LaTeX, symbolically and filled in with the numbers of one step.

Pure text builders for ``st.latex`` (no Streamlit). The filled-in numbers come from the engine's recorded state
(g_t, m̂₁, m₂, ν, α_t, β₃_t, η_t); only ν̂ = ν/(1−β₂ᵗ) and √ν̂+ε are derived here, and ``StepExplanation.recomputed``
re-evaluates the rule from those numbers so a test can check it against the engine's recorded Δθ.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dynamics.simulate import Trajectory

NAMES = {
    "adam": "Adam",
    "adamw": "AdamW",
    "ademamix": "AdEMAMix",
    "simplified_ademamix": "Simplified AdEMAMix",
    "sgd_momentum": "SGD + momentum (heavy ball)",
    "nesterov": "Nesterov momentum",
}


def tex_num(value: float, digits: int = 3) -> str:
    """A number for LaTeX: 0.0123 → 0.0123, 1.2e-05 → 1.2{\\times}10^{-5}, inf → \\infty."""
    value = float(value)
    if math.isnan(value):
        return r"\mathrm{NaN}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    if value == 0:
        return "0"
    a = abs(value)
    if 1e-3 <= a < 1e4:
        text = f"{value:.{digits}g}"
        if "e" not in text:
            return text
    mant, exp = f"{value:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    return rf"{mant}{{\times}}10^{{{int(exp)}}}"


def tex_beta(beta: float) -> str:
    text = f"{float(beta):.8f}".rstrip("0").rstrip(".")
    return text or "0"


def tex_vec(v, digits: int = 3) -> str:
    return rf"\left({tex_num(v[0], digits)},\ {tex_num(v[1], digits)}\right)"


_ADAM_M1 = r"m_1 &\leftarrow \beta_1 m_1 + (1-\beta_1)\,g_t"
_NU = r"\nu &\leftarrow \beta_2 \nu + (1-\beta_2)\,g_t^2"
_HEAVY = r"m_1 &\leftarrow \beta_1 m_1 + g_t"

RULES = {
    # One relation per line (narrow enough for a side column); bias corrections are stated in BIAS_NOTES.
    "adam": [_ADAM_M1, _NU, r"\Delta\theta_t &= -\eta\,\frac{\hat m_1}{\sqrt{\hat\nu}+\epsilon}"],
    "adamw": [_ADAM_M1, _NU,
              r"\Delta\theta_t &= -\eta\Big(\frac{\hat m_1}{\sqrt{\hat\nu}+\epsilon} + \lambda\,\theta_{t-1}\Big)"],
    "ademamix": [_ADAM_M1, r"m_2 &\leftarrow \beta_3(t)\, m_2 + (1-\beta_3(t))\,g_t", _NU,
                 r"\Delta\theta_t &= -\eta\Big(\frac{\hat m_1 + \alpha(t)\, m_2}{\sqrt{\hat\nu}+\epsilon}"
                 r" + \lambda\,\theta_{t-1}\Big)"],
    "simplified_ademamix": [_HEAVY, _NU,
                            r"\Delta\theta_t &= -\eta\Big(\frac{m_1 + \alpha\, g_t}{\sqrt{\hat\nu}+\epsilon}"
                            r" + \lambda\,\theta_{t-1}\Big)"],
    "sgd_momentum": [_HEAVY, r"\Delta\theta_t &= -\eta\, m_1"],
    "nesterov": [_HEAVY, r"\Delta\theta_t &= -\eta\,(g_t + \beta_1 m_1)"],
}
BIAS_NOTES = {
    "adam": "m̂₁ = m₁/(1−β₁ᵗ) and ν̂ = ν/(1−β₂ᵗ) (bias correction).",
    "adamw": "m̂₁ = m₁/(1−β₁ᵗ) and ν̂ = ν/(1−β₂ᵗ) (bias correction); weight decay is decoupled (× η).",
    "ademamix": "m̂₁ = m₁/(1−β₁ᵗ), ν̂ = ν/(1−β₂ᵗ); the slow EMA m₂ is never bias-corrected.",
    "simplified_ademamix": "No (1−β₁) factor and no bias correction on m₁; ν̂ = ν/(1−β₂ᵗ).",
    "sgd_momentum": "Heavy ball in the PyTorch/optax form (no dampening).",
    "nesterov": "Nesterov momentum in the PyTorch/optax form.",
}


def aligned(lines) -> str:
    return r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"


@dataclass(frozen=True)
class StepExplanation:
    optimizer: str  # display name
    rule: str  # symbolic rule (LaTeX, aligned)
    filled: str | None  # the rule with step t's numbers (LaTeX, aligned); None at t = 0 or after divergence
    step: int
    recomputed: np.ndarray | None  # Δθ re-evaluated from the displayed numbers (for tests)
    recorded: np.ndarray | None  # Δθ as recorded by the engine
    notes: list[str] = field(default_factory=list)


def explain_step(traj: Trajectory, t: int) -> StepExplanation:
    """The update rule of ``traj``'s optimizer and, for 1 ≤ t ≤ last finite step, its numbers at step t."""
    cfg = traj.config.optimizer
    name = cfg.name
    rule = aligned(RULES[name])
    notes: list[str] = [BIAS_NOTES[name]]
    if name in ("adam", "adamw", "ademamix", "simplified_ademamix") and not cfg.bias_correction:
        notes[0] = "Bias correction is off: m̂₁ = m₁ and ν̂ = ν."
    if name == "ademamix" and cfg.t_alpha_beta3 == 0:
        notes.append("T_α,β₃ = 0: α and β₃ are constant from step 1 (no warm-up).")
    if cfg.initial_m1 is not None or cfg.initial_m2 is not None:
        notes.append("Non-zero initial buffers are bias-corrected like the rest of m₁ (m̂₁ = m₁/(1−β₁ᵗ) includes "
                     "the initial m₁); m₂ never is.")
    if t < 1 or t > traj.last_finite_step:
        why = "step 0 is the start: no update yet" if t < 1 else "the run diverged before this step"
        return StepExplanation(NAMES[name], rule, None, t, None, None, notes + [why.capitalize() + "."])

    g = traj.grad[t]
    theta_prev = traj.params[t - 1]
    lr = float(traj.lr[t])
    wd = cfg.weight_decay if name != "adam" else 0.0
    lines: list[str] = [rf"\eta &= {tex_num(lr)}" + (rf", \quad \lambda = {tex_num(wd)}" if wd else ""),
                        rf"g_t &= {tex_vec(g)}"]
    recomputed: np.ndarray
    if name in ("adam", "adamw", "ademamix", "simplified_ademamix"):
        b2c = 1.0 - cfg.beta2 ** t if cfg.bias_correction else 1.0
        nu_hat = traj.nu[t] / b2c
        denom = np.sqrt(nu_hat) + cfg.eps
        if name == "simplified_ademamix":
            fast = traj.m1[t]
            slow = cfg.alpha * g
            lines.append(rf"m_1 &= {tex_vec(fast)}")
            lines.append(rf"\alpha\, g_t &= {tex_vec(slow)}")
        else:
            fast = traj.m1_hat[t]
            lines.append(rf"\hat m_1 &= {tex_vec(fast)}")
            if name == "ademamix":
                slow = traj.alpha[t] * traj.m2[t]
                lines.append(rf"\alpha(t)\,m_2 &= {tex_num(traj.alpha[t])} \times {tex_vec(traj.m2[t])}")
                lines.append(rf"&= {tex_vec(slow)}")
                lines.append(rf"\beta_3(t) &= {tex_beta(traj.beta3[t])}")
            else:
                slow = np.zeros(2)
        lines.append(rf"\sqrt{{\hat\nu}}+\epsilon &= {tex_vec(denom)}")
        numerator = fast + slow
        decay = wd * theta_prev
        ratio = numerator / denom
        recomputed = -lr * (ratio + decay)
        top = r"m_1 + \alpha\, g_t" if name == "simplified_ademamix" else (
            r"\hat m_1 + \alpha(t)\, m_2" if name == "ademamix" else r"\hat m_1")
        lines.append(rf"r &= ({top}) \oslash (\sqrt{{\hat\nu}}+\epsilon)")
        lines.append(rf"&= {tex_vec(ratio)}")
        lines.append(r"\Delta\theta_t &= -\eta\,(r + \lambda\,\theta_{t-1})" if wd else r"\Delta\theta_t &= -\eta\, r")
    else:
        m1 = traj.m1[t]
        lines.append(rf"m_1 &= {tex_vec(m1)}")
        direction = m1 if name == "sgd_momentum" else g + cfg.beta1 * m1
        recomputed = -lr * direction
        lines.append(rf"\Delta\theta_t &= -\eta \times {tex_vec(direction)}")
    lines.append(rf"&= {tex_vec(traj.update[t], 4)}")
    lines.append(rf"\theta_t &= {tex_vec(traj.params[t], 5)}")
    filled = aligned(lines)
    return StepExplanation(NAMES[name], rule, filled, t, recomputed, traj.update[t].copy(), notes)
