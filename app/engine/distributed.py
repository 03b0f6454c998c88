"""Training on several processes: ``torchrun --nproc_per_node N main.py train PROJECT``.

torchrun (``python -m torch.distributed.run``) starts N copies of the command and tells
each who it is in environment variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
MASTER_PORT); ``--nnodes`` and a rendezvous endpoint spread them over machines without
anything else from us. A run sees them through ``Launch`` and talks to the other
processes only through ``Ranks``, so a single process (no torchrun) runs the very same
code with every collective a no-op:

- one process group: NCCL when the processes train on CUDA GPUs (each on the GPU of
  its LOCAL_RANK), gloo on CPUs; small control messages (stop requests, sums of
  Python numbers, per-image rows) always go through a gloo group on the CPU, so they
  never wait for a GPU;
- each rank trains on its shard of every epoch's order (app/engine/data.py), the
  model wrapped in DistributedDataParallel (gradients averaged after every backward);
- validation: each rank predicts its share of the val images, the confusion matrices
  are summed (never averaged) and the losses averaged by image count, so every rank
  reads the metrics one process would have computed;
- a stop request on any rank stops all of them after the same batch;
- a failure on one rank ends them all: torchrun terminates the others, and the failed
  rank's message reaches rank 0 (through torchrun's key-value store) so that rank 0's
  run.json, events and exit message say which rank failed and why.

Only rank 0 writes the run directory, events and logs (app/engine/run.py).
"""
from __future__ import annotations

import contextlib
import datetime
import os
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ContextManager, Mapping

import torch
import torch.distributed as dist
from torch import nn

from components.errors import StudioError

if TYPE_CHECKING:
    from .evaluate import Evaluation

STORE_TIMEOUT = datetime.timedelta(seconds=10)


class DistributedError(StudioError):
    """A setting that cannot work on several processes; names it."""


class PeerFailed(StudioError):
    """Another process of the run failed (or torchrun ended this one because of it)."""


@dataclass(frozen=True)
class Launch:
    """Who this process is among the run's processes (torchrun's environment)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Launch":
        """torchrun's variables; a process started without them is a single one."""
        env = os.environ if env is None else env
        world = int(env.get("WORLD_SIZE", "1") or 1)
        if world <= 1:
            return cls()
        return cls(int(env.get("RANK", "0")), world, int(env.get("LOCAL_RANK", "0")),
                   int(env.get("LOCAL_WORLD_SIZE", str(world))))


def launcher(launch: Launch) -> str:
    """How the run was started, for the resume command it prints."""
    if not launch.distributed:
        return "python"
    nodes = launch.world_size // max(1, launch.local_world_size)
    return (f"torchrun --nproc_per_node {launch.local_world_size}"
            + (f" --nnodes {nodes} (and your rendezvous options)" if nodes > 1 else ""))


def device_setting(launch: Launch, configured: str, override: str | None) -> str | None:
    """The device a process of ``launch`` trains on: under torchrun on GPUs, the GPU of
    its LOCAL_RANK (``auto`` and ``cuda`` mean that); DistributedError for a setting that
    would put several processes on one device."""
    if not launch.distributed:
        return override
    setting = override or configured
    where = "--device" if override else "training.device"
    if setting == "mps":
        raise DistributedError(f"{where}: mps cannot train on several processes (torch has "
                               "no NCCL or gloo for Apple's GPUs); use cpu, or one process")
    if setting.startswith("cuda:"):
        raise DistributedError(f"{where}: '{setting}' under torchrun would put every process "
                               "on one GPU; set it to auto or cuda (each process takes the "
                               "GPU of its LOCAL_RANK; choose the GPUs with "
                               "CUDA_VISIBLE_DEVICES)")
    if setting == "cpu" or not torch.cuda.is_available():
        return setting  # 'cuda' without a GPU: select_device says so
    count = torch.cuda.device_count()
    if launch.local_rank >= count:
        raise DistributedError(f"torchrun started {launch.local_world_size} processes on this "
                               f"machine but it has {count} CUDA GPU{'s' if count != 1 else ''}"
                               f": give --nproc_per_node {count} or fewer (or train on cpu)")
    return f"cuda:{launch.local_rank}"


def backend_for(device: torch.device) -> str:
    return "nccl" if device.type == "cuda" else "gloo"


class Ranks:
    """The processes of one run and what they exchange; a single process has no group
    and every method returns what one process would compute."""

    def __init__(self, launch: Launch | None = None, backend: str | None = None) -> None:
        self.launch = launch or Launch()
        self.backend = backend
        self.control: Any = None        # the gloo group for small CPU messages
        self.ddp: nn.parallel.DistributedDataParallel | None = None
        self._store: Any = None
        self._stop: Any = None

    @property
    def rank(self) -> int:
        return self.launch.rank

    @property
    def world(self) -> int:
        return self.launch.world_size

    @property
    def is_main(self) -> bool:
        return self.launch.is_main

    @property
    def distributed(self) -> bool:
        return self.backend is not None

    # --- the group's life ------------------------------------------------------------
    @classmethod
    def start(cls, launch: Launch, device: torch.device) -> "Ranks":
        """Join the process group of ``launch`` (none for a single process)."""
        if not launch.distributed:
            return cls(launch)
        backend = backend_for(device)
        if backend == "nccl":
            torch.cuda.set_device(device)  # NCCL's own buffers and barriers go there too
        dist.init_process_group(backend, device_id=device if backend == "nccl" else None,
                                rank=launch.rank, world_size=launch.world_size)
        ranks = cls(launch, backend)
        ranks.control = dist.new_group(backend="gloo") if backend == "nccl" else None
        ranks._store = _store_client()
        with contextlib.suppress(ValueError):  # not the main thread: torchrun still kills
            signal.signal(signal.SIGTERM, ranks._terminated)
        return ranks

    def close(self) -> None:
        """Leave the group after a run that ended normally on every rank: together (a
        rank that tore gloo down while another still used it aborted one exit in four,
        'terminate called without an active exception', torch 2.13 with DDP)."""
        self._store = None  # the store client's thread ends before the group's
        if self.distributed and dist.is_initialized():
            dist.barrier(group=self.control)
            dist.destroy_process_group()
        self.backend = None

    def to_json(self) -> dict[str, Any]:
        """For run.json and the started event: nothing for a single process."""
        if not self.distributed:
            return {}
        nodes = max(1, self.world // max(1, self.launch.local_world_size))
        return {"distributed": {"processes": self.world, "backend": self.backend,
                                "machines": nodes}}

    # --- training -----------------------------------------------------------------------
    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        """The module the loop calls forward on: DistributedDataParallel around ``model``
        (whose state_dict checkpoints keep, without DDP's 'module.' prefix)."""
        if not self.distributed:
            return model
        self.ddp = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
        return self.ddp

    def no_sync(self, sync: bool) -> ContextManager[Any]:
        """Skip the gradient all-reduce of a micro-batch before the optimizer step."""
        if sync or self.ddp is None:
            return contextlib.nullcontext()
        return self.ddp.no_sync()

    def any(self, flag: bool) -> bool:
        """True on every rank when it is True on one (a stop request)."""
        if not self.distributed:
            return flag
        value = torch.tensor([int(flag)])
        self._collective(lambda: dist.all_reduce(value, dist.ReduceOp.MAX, group=self.control))
        return bool(value.item())

    def sum(self, *values: float) -> list[float]:
        """Each value summed over the ranks (float64 on the CPU)."""
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64)
        self._collective(lambda: dist.all_reduce(tensor, group=self.control))
        return tensor.tolist()

    def sum_counts(self, counts: torch.Tensor) -> torch.Tensor:
        """A copy of ``counts`` (a confusion matrix, on the model's device) summed over
        the ranks."""
        total = counts.clone()
        if self.distributed:
            self._collective(lambda: dist.all_reduce(total))
        return total

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value`` (picklable), in rank order."""
        if not self.distributed:
            return [value]
        found: list[Any] = [None] * self.world
        self._collective(lambda: dist.all_gather_object(found, value, group=self.control))
        return found

    def share(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank (a checkpoint read by rank 0 alone)."""
        if not self.distributed:
            return value
        box = [value if self.is_main else None]
        self._collective(lambda: dist.broadcast_object_list(box, src=0, group=self.control))
        return box[0]

    def align_buffers(self, model: nn.Module) -> None:
        """Rank 0's batch-norm statistics on every rank before validation, so each rank
        validates the model rank 0 saves (each rank updated them on its own batches)."""
        if not self.distributed:
            return
        for buffer in model.buffers():
            self._collective(lambda b=buffer: dist.broadcast(b, src=0))

    def reduce_evaluation(self, local: "Evaluation", class_names: list[str]) -> "Evaluation":
        """One split's evaluation from every rank's share: confusion matrices summed,
        losses averaged over all images, per-image rows gathered (worst first)."""
        if not self.distributed:
            return local
        from .evaluate import Evaluation
        from .metrics import summarize

        matrix = local.matrix
        self._collective(lambda: dist.all_reduce(matrix.matrix))
        count = len(local.images) if local.loss is not None else 0
        loss_sum, images = self.sum((local.loss or 0.0) * count, count)
        rows = [row for rows in self.gather(local.images) for row in rows]
        rows.sort(key=lambda row: (row["mean_iou"] is None, row["mean_iou"] or 0.0))
        return Evaluation(matrix, summarize(matrix.matrix, class_names),
                          loss_sum / images if images else None, rows)

    # --- failures -----------------------------------------------------------------------
    def report_failure(self, error: BaseException) -> None:
        """Tell the other ranks why this one fails (best effort: it is going down)."""
        if isinstance(error, PeerFailed):
            self._store = None
        if self._store is None:
            return
        message = str(error) if isinstance(error, StudioError) else (
            f"{type(error).__name__}: {error}")
        with contextlib.suppress(Exception):
            self._store.set(_failure_key(self.rank), message)
        self._store = None  # its thread must not outlive the interpreter (std::terminate)

    def peer_failure(self) -> str | None:
        """``rank 1 of 2 failed: ...`` for the first rank that reported a failure."""
        if self._store is None:
            return None
        for rank in range(self.world):
            with contextlib.suppress(Exception):
                if rank != self.rank and self._store.check([_failure_key(rank)]):
                    text = self._store.get(_failure_key(rank)).decode("utf-8", "replace")
                    return f"rank {rank} of {self.world} failed: {text}"
        return None

    def explain(self, error: BaseException) -> BaseException:
        """A collective that broke because another rank went down (inside DDP's backward,
        say) as PeerFailed with that rank's message; any other error as it is."""
        if not self.distributed or not isinstance(error, RuntimeError):
            return error
        peer = self.peer_failure()
        if peer is None and not isinstance(error, dist.DistBackendError):
            return error
        return PeerFailed(peer or "lost contact with another process of the run "
                          f"({str(error).splitlines()[0][:200]})")

    def stop_on_terminate(self, stop: Any) -> None:
        """What SIGTERM from torchrun means when no rank reported a failure: Ctrl+C in
        torchrun's terminal, or a stopped job; ``stop(reason)`` ends the run after the
        batch, as Ctrl+C does (every rank got the signal: they agree on the batch)."""
        self._stop = stop

    def _collective(self, work: Any) -> None:
        try:
            work()
        except RuntimeError as error:  # a peer went away mid-collective (DistBackendError)
            raise PeerFailed(self.peer_failure() or "lost contact with another process of "
                             f"the run ({str(error).splitlines()[0][:200]})") from None

    def _terminated(self, signum: int, frame: Any) -> None:
        """torchrun ends the other processes with SIGTERM when one fails, and all of them
        when it is interrupted itself."""
        peer = self.peer_failure()
        if peer is None and self._stop is not None:
            self._stop("ended by torchrun (SIGTERM)")
            return
        raise PeerFailed(peer or "ended by torchrun (another process of the run failed)")


def _store_client() -> Any:
    """A client of torchrun's key-value store (MASTER_ADDR:MASTER_PORT), or None."""
    try:
        return dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]),
                             is_master=False, timeout=STORE_TIMEOUT)
    except (KeyError, ValueError, RuntimeError):
        return None


def _failure_key(rank: int) -> str:
    restart = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    return f"unet_studio/{restart}/failed/{rank}"


def shard_order(order: torch.Tensor, rank: int, world: int) -> torch.Tensor:
    """Rank ``rank``'s share of an epoch's order: every ``world``-th sample from
    ``rank`` on, the order padded from its start to a multiple of ``world`` (as
    DistributedSampler does) so every rank runs the same number of batches."""
    if world <= 1:
        return order
    padding = (-len(order)) % world
    if padding:
        order = torch.cat([order, order[:padding]])
    return order[rank::world]


class RankShare:
    """Rank ``rank``'s share of a split's whole images: every ``world``-th from ``rank``
    (no padding: the confusion matrices are summed, so no image may count twice)."""

    def __init__(self, items: Any, rank: int = 0, world: int = 1) -> None:
        self.items, self.indices = items, range(rank, len(items), world)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.items[self.indices[index]]

    def __iter__(self) -> Any:
        return (self.items[i] for i in self.indices)


def convert_batch_norm(model: nn.Module, ranks: Ranks, device: torch.device) -> nn.Module:
    """Batch norm over the global batch on GPUs (SyncBatchNorm: the statistics of
    one process would be those of its few samples); CPUs keep per-rank statistics
    (torch's SyncBatchNorm runs on GPUs only). Same parameters, same state_dict keys."""
    if ranks.distributed and device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return model
