"""AdEMAMix Lab's optimizer-dynamics engine: pure JAX + NumPy + pydantic, float64 throughout."""
import jax

jax.config.update("jax_enable_x64", True)  # exactness against the references needs float64 (0.9999 in f32 is off)

from .config import ObjectiveConfig, OptimizerConfig, RunConfig, SweepAxis, SweepConfig  # noqa: E402
from .objectives import Objective, get_objective  # noqa: E402
from .simulate import Trajectory, simulate  # noqa: E402
from .sweeps import SweepResult, cell_config, run_sweep  # noqa: E402
