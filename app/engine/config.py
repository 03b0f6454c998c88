"""The ``training`` section of a project file, declared with the components' Schema.

One declaration serves three readers: the project loader validates against it
(every message names its key, ``training.optimizer: ...``), the window generates
its form from it (``group`` is the form section, ``when`` greys out what does not
apply), and the engine reads the validated values as attributes of a
TrainingConfig. Keys a file leaves out take their defaults, so a project written
before a key existed still loads. The loss is not here: it belongs to the Target.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

from components.errors import SettingError
from components.schema import Setting, schema

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = ("constant", "cosine", "step", "one_cycle", "reduce_on_plateau")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ADAPTIVE = ("adam", "adamw")
WITH_MOMENTUM = ("sgd", "rmsprop")

TRAINING_SCHEMA = schema(
    Setting("epochs", "int", 20, "Passes over the training split.", minimum=1,
            maximum=100_000, group="Run"),
    Setting("batch_size", "int", 8, "Samples (images or tiles) per forward pass.", minimum=1,
            maximum=4096, group="Run"),
    Setting("accumulate", "int", 1, "Batches summed into one optimizer step "
            "(effective batch: batch size x accumulate).", minimum=1,
            maximum=1024, group="Run"),
    Setting("seed", "int", 0, "Seeds weights, data order and augmentation: the same seed "
            "gives the same run.", minimum=0, maximum=2**32 - 1, group="Run"),
    Setting("optimizer", "choice", "adam", "adam, adamw (decoupled weight decay), sgd, "
            "rmsprop.", choices=OPTIMIZERS, group="Optimizer"),
    Setting("learning_rate", "float", 0.001, "Step size of the optimizer (the peak for "
            "one_cycle).", minimum=1e-9, maximum=10.0, group="Optimizer"),
    Setting("betas", "floats", (0.9, 0.999), "Adam's decay rates of the gradient's running "
            "mean and square.", minimum=0.0, maximum=0.999999, length=2, group="Optimizer",
            when=(("optimizer", ADAPTIVE),)),
    Setting("momentum", "float", 0.9, "Momentum of sgd and rmsprop.", minimum=0.0,
            maximum=0.999999, group="Optimizer", when=(("optimizer", WITH_MOMENTUM),)),
    Setting("nesterov", "bool", False, "Nesterov momentum (sgd).", group="Optimizer",
            when=(("optimizer", ("sgd",)),)),
    Setting("weight_decay", "float", 0.0, "L2 penalty (decoupled for adamw).", minimum=0.0,
            maximum=1.0, group="Optimizer"),
    Setting("grad_clip", "float", "off", "Largest gradient norm; larger gradients are scaled "
            "down to it.", minimum=1e-6, maximum=1e6, special=("off",), group="Optimizer"),
    Setting("schedule", "choice", "constant", "How the learning rate changes: constant, "
            "cosine (with warm-up), step, one_cycle, reduce_on_plateau (on validation mean "
            "IoU).", choices=SCHEDULES, group="Schedule"),
    Setting("warmup_epochs", "int", 0, "Epochs of linear warm-up before the cosine decay.",
            minimum=0, maximum=10_000, group="Schedule", when=(("schedule", ("cosine",)),)),
    Setting("step_size", "int", 10, "Epochs between two learning-rate drops.", minimum=1,
            maximum=100_000, group="Schedule", when=(("schedule", ("step",)),)),
    Setting("schedule_factor", "float", 0.1, "Factor applied to the learning rate at each "
            "drop.", minimum=1e-6, maximum=0.999999, group="Schedule",
            when=(("schedule", ("step", "reduce_on_plateau")),)),
    Setting("plateau_patience", "int", 5, "Epochs without a better validation mean IoU "
            "before the learning rate drops.", minimum=0, maximum=10_000, group="Schedule",
            when=(("schedule", ("reduce_on_plateau",)),)),
    Setting("early_stopping", "int", "off", "Stop after this many epochs without a better "
            "validation mean IoU.", minimum=1, maximum=100_000, special=("off",),
            group="Early stopping"),
    Setting("device", "text", "auto", "auto: CUDA, then Apple MPS, then CPU.",
            choices=("auto", "cpu", "cuda", "mps"), pattern=r"cuda:\d{1,3}",
            pattern_help="cuda:N", group="Hardware"),
    Setting("precision", "choice", "auto", "auto: bf16 mixed precision on a CUDA GPU that "
            "has it, else fp16 with a gradient scaler; fp32 on CPU and MPS.",
            choices=PRECISIONS, group="Hardware"),
    Setting("channels_last", "bool", "auto", "Channels-last memory layout (auto: on for "
            "CUDA).", special=("auto",), group="Hardware"),
    Setting("compile", "bool", False, "torch.compile the model (CUDA only; the first epoch "
            "is slower while it compiles).", group="Hardware"),
    Setting("workers", "int", "auto", "Processes that decode and augment batches (0: in the "
            "training process; auto: up to 4, leaving a core free).", minimum=0, maximum=64,
            special=("auto",), group="Hardware"),
)


class TrainingConfig(Mapping[str, Any]):
    """Validated training settings, read as attributes (``config.learning_rate``).

    Immutable: ``replace`` gives a changed copy, so a snapshot handed to a run can
    not change under it.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_values", TRAINING_SCHEMA.validate(dict(values or {})))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TrainingConfig is immutable; use replace()")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrainingConfig) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __repr__(self) -> str:
        return f"TrainingConfig({self._values})"

    def replace(self, **changes: Any) -> "TrainingConfig":
        return TrainingConfig({**self._values, **changes})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: every key, lists for tuples."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._values.items()}

    def differences(self, other: "TrainingConfig") -> list[str]:
        """Keys whose values differ, in schema order."""
        return [k for k in TRAINING_SCHEMA.names() if self[k] != other[k]]


def training_from_dict(data: Any, where: str = "training") -> tuple[TrainingConfig, list[str]]:
    """The config and every problem found (unknown keys, wrong types, out of range)."""
    if not isinstance(data, dict):
        return TrainingConfig(), [f"{where}: expected an object"]
    allowed = TRAINING_SCHEMA.names()
    problems = [f"{where}: unknown key '{key}' (allowed: {', '.join(allowed)})"
                for key in data if key not in allowed]
    known = {k: v for k, v in data.items() if k in allowed}
    bad = TRAINING_SCHEMA.problems(known)
    problems += [f"{where}.{error.setting}: {_message(error)}" for error in bad]
    good = {k: v for k, v in known.items() if k not in {e.setting for e in bad}}
    return TrainingConfig(good), problems


def _message(error: SettingError) -> str:
    """The message without SettingError's "setting 'x': " prefix (the key is named here)."""
    return str(error).removeprefix(f"setting '{error.setting}': ")
