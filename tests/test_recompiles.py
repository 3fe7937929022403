"""Changing a value (hyperparameter, start, σ, seed, objective parameter, swept range) never recompiles.

Counted with jax.monitoring: every trace of a Python function to a jaxpr and every XLA compile records an event.
"""
from contextlib import contextmanager

import jax
import pytest

from dynamics import RunConfig, SweepAxis, SweepConfig, run_sweep, simulate, sweeps

TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


@contextmanager
def compile_counter():
    counts = {TRACE_EVENT: 0, COMPILE_EVENT: 0}

    def listen(event, duration, **kwargs):
        if event in counts:
            counts[event] += 1

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield counts
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)


def assert_no_compile(fn, variants):
    fn(variants[0])  # warm-up: may compile
    with compile_counter() as counts:
        for variant in variants[1:]:
            fn(variant)
    assert counts == {TRACE_EVENT: 0, COMPILE_EVENT: 0}


def run(**changes) -> RunConfig:
    base = {"objective": {"name": "rosenbrock"}, "steps": 1500,
            "optimizer": {"name": "ademamix", "lr": 0.01, "beta3": 0.999, "t_alpha_beta3": 0}}
    for key, value in changes.items():
        if key in ("objective", "optimizer"):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return RunConfig.model_validate(base)


SIMULATE_VARIANTS = {
    "hyperparameters": [run(), run(optimizer={"lr": 0.003}), run(optimizer={"beta1": 0.5}),
                        run(optimizer={"beta2": 0.99}), run(optimizer={"beta3": 0.9999}),
                        run(optimizer={"alpha": 8.0}), run(optimizer={"t_alpha_beta3": 1000}),
                        run(optimizer={"eps": 1e-6}), run(optimizer={"weight_decay": 0.1})],
    "start": [run(start=(-1.0, 2.0)), run(start=(0.5, -1.0)), run()],
    "noise": [run(noise_sigma=0.1), run(noise_sigma=2.0), run(noise_sigma=2.0, seed=11)],
    "objective parameters": [run(objective={"rosenbrock_a": 1.0, "rosenbrock_b": 100.0}),
                             run(objective={"rosenbrock_a": -2.0}), run(objective={"rosenbrock_b": 10.0})],
    "steps in one bucket": [run(steps=2000), run(steps=1001), run(steps=1999)],
}


@pytest.mark.parametrize("variants", SIMULATE_VARIANTS.values(), ids=SIMULATE_VARIANTS.keys())
def test_simulate_compiles_once_per_program(variants):
    assert_no_compile(simulate, variants)


def sweep(**changes) -> SweepConfig:
    base = dict(base=run(steps=400), x=SweepAxis(param="alpha", low=1.0, high=10.0, num=20),
                y=SweepAxis(param="beta3", low=0.99, high=0.9999, num=12))
    return SweepConfig(**{**base, **changes})


SWEEP_VARIANTS = {
    "ranges": [sweep(), sweep(x=SweepAxis(param="alpha", low=0.0, high=3.0, num=20)),
               sweep(y=SweepAxis(param="beta3", low=0.9, high=0.95, num=12, log=True))],
    "sizes in one bucket": [sweep(), sweep(x=SweepAxis(param="alpha", low=1.0, high=10.0, num=31)),
                            sweep(y=SweepAxis(param="beta3", low=0.99, high=0.9999, num=15))],
    "base run": [sweep(), sweep(base=run(steps=3000)), sweep(base=run(steps=7, start=(2.0, 2.0))),
                 sweep(base=run(steps=400, optimizer={"lr": 0.05, "beta1": 0.8, "t_alpha_beta3": 400})),
                 sweep(base=run(steps=400, objective={"rosenbrock_b": 5.0})), sweep(tolerance=0.5)],
    "noise": [sweep(base=run(steps=400, noise_sigma=0.5)), sweep(base=run(steps=400, noise_sigma=1.5, seed=3))],
    "basin map": [sweep(x=SweepAxis(param="start_x", low=-2.0, high=2.0, num=20),
                        y=SweepAxis(param="start_y", low=-1.0, high=3.0, num=12)),
                  sweep(x=SweepAxis(param="start_x", low=0.0, high=1.0, num=20),
                        y=SweepAxis(param="start_y", low=-3.0, high=0.0, num=12))],
}


@pytest.mark.parametrize("variants", SWEEP_VARIANTS.values(), ids=SWEEP_VARIANTS.keys())
def test_run_sweep_compiles_once_per_program(variants):
    assert_no_compile(run_sweep, variants)


def test_sweep_compile_counter_agrees():
    run_sweep(sweep())
    before = sweeps.compile_count
    run_sweep(sweep(x=SweepAxis(param="alpha", low=2.0, high=4.0, num=17), base=run(steps=50)))
    assert sweeps.compile_count == before


def test_the_counter_sees_a_new_program():
    with compile_counter() as counts:
        jax.jit(lambda v: v * 3.0 + 1.0)(2.0)
    assert counts[TRACE_EVENT] >= 1 and counts[COMPILE_EVENT] >= 1
