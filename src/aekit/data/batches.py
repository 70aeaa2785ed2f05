"""Batches are dicts of named tensors; sources hand them to the trainer in the order it asks.

A batch maps names to tensors whose first axis is the batch: ``input`` (what the model reads),
``target`` (what it rebuilds; absent = the input), ``cond`` (a condition: a class label or a
vector), ``label``, ``lengths`` and ``mask`` (of padded sequences), ``tokens`` ... of any dtype:
token ids stay integers, float64 arrays become float32.

Two sources:

- :class:`ArraySource`, the fast path: tensors in memory, batches by indexing.
- :class:`DatasetSource`: a torch ``Dataset`` whose items are dicts of tensors (or plain
  tensors, taken as ``input``), loaded by a ``DataLoader`` with workers and a collate function,
  by default :func:`pad_collate`, which pads variable-length sequences and adds their
  ``lengths`` and ``mask``.

Both serve batches in the order of an index permutation the trainer draws from its seeded
generator, so shuffling is reproducible and identical in every process of a data-parallel run.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ..errors import DataError

Batch = dict[str, torch.Tensor]


def _tensor(name: str, value: Any) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise DataError(f"batch entry {name!r} is an object array; pass numbers (pad ragged sequences, "
                            "or use a Dataset with aekit.data.pad_collate).")
        value = torch.from_numpy(np.ascontiguousarray(value))
    if not torch.is_tensor(value):
        try:
            value = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise DataError(f"batch entry {name!r} cannot be turned into a tensor ({exc}).") from None
    if value.dtype == torch.float64 or value.dtype == torch.float16:
        value = value.float()  # the models compute in float32
    return value


def as_batch(data: Mapping[str, Any] | torch.Tensor | np.ndarray) -> Batch:
    """A dict of named tensors from a dict, or from one array (taken as ``input``)."""
    if not isinstance(data, Mapping):
        data = {"input": data}
    if not data:
        raise DataError("a batch needs at least one named tensor, e.g. {'input': x}.")
    return {str(k): _tensor(str(k), v) for k, v in data.items()}


class ArraySource:
    """Equally long tensors in memory (the fast path): ``batch(idx)`` indexes every one."""

    def __init__(self, tensors: Mapping[str, Any] | torch.Tensor | np.ndarray) -> None:
        self.tensors = as_batch(tensors)
        lengths = {k: len(v) if v.dim() else -1 for k, v in self.tensors.items()}
        if len(set(lengths.values())) != 1 or -1 in lengths.values():
            raise DataError(f"every batch entry needs the same number of samples along its first axis; got {lengths}.")
        if "input" not in self.tensors:
            raise DataError(f"the data has no 'input' entry (it has {sorted(self.tensors)}); name the array the "
                            "model reads 'input'.")

    def __len__(self) -> int:
        return len(self.tensors["input"])

    def batch(self, idx: torch.Tensor) -> Batch:
        return {k: v[idx] for k, v in self.tensors.items()}

    def batches(self, order: torch.Tensor, batch_size: int) -> Iterator[Batch]:
        for start in range(0, len(order), batch_size):
            yield self.batch(order[start:start + batch_size])

    def subset(self, idx: torch.Tensor) -> "ArraySource":
        return ArraySource(self.batch(idx))

    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.tensors["input"].shape[1:])

    def fingerprint(self) -> str:
        """A hash of the data, stored in training checkpoints: a resume on other data is refused.
        (One ``input`` tensor hashes as aekit 0.1 hashed its one tensor, so its checkpoints resume.)"""
        h = hashlib.sha256()
        for key in sorted(self.tensors):
            if len(self.tensors) > 1:
                h.update(key.encode())
            h.update(self.tensors[key].detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]


def pad_collate(items: list[Any], pad_value: float = 0.0) -> Batch:
    """Stack a list of samples (dicts of tensors, or tensors = ``input``) into one batch.

    Entries whose last axis differs in length between samples (sequences: ``(C, T)`` or ``(T,)``)
    are padded with ``pad_value`` (integer entries with 0) to the longest; the batch then gets
    ``lengths`` (``(B,)`` int64, the true length of the first padded entry) and ``mask``
    (``(B, T_max)`` bool, true on real frames).
    """
    if not items:
        raise DataError("cannot collate an empty list of samples.")
    items = [as_batch(it) if not isinstance(it, Mapping) else {k: _tensor(k, v) for k, v in it.items()}
             for it in items]
    keys = list(items[0])
    for i, it in enumerate(items):
        if list(it) != keys:
            raise DataError(f"sample {i} has entries {list(it)}, but sample 0 has {keys}: every sample needs the same.")
    out: Batch = {}
    lengths = None
    for key in keys:
        values = [it[key] for it in items]
        shapes = {tuple(v.shape) for v in values}
        if len(shapes) == 1:
            out[key] = torch.stack(values)
            continue
        if len({(v.dim(), v.shape[:-1]) for v in values}) != 1 or values[0].dim() == 0:
            raise DataError(f"entry {key!r} has shapes {sorted(shapes)} that differ in more than the last "
                            "(time) axis; only sequences of varying length can be padded.")
        lens = torch.tensor([v.shape[-1] for v in values], dtype=torch.int64)
        fill = pad_value if values[0].is_floating_point() else 0
        padded = values[0].new_full((len(values), *values[0].shape[:-1], int(lens.max())), fill)
        for i, v in enumerate(values):
            padded[i, ..., :v.shape[-1]] = v
        out[key] = padded
        if lengths is None:
            lengths = lens
    if lengths is not None and "lengths" not in out:
        out["lengths"] = lengths
        out["mask"] = torch.arange(int(lengths.max()))[None, :] < lengths[:, None]
    return out


class DatasetSource:
    """A torch ``Dataset`` of samples (dicts of tensors, or tensors taken as ``input``), loaded by a
    ``DataLoader`` with ``num_workers`` processes and ``collate_fn`` (default :func:`pad_collate`)."""

    def __init__(self, dataset: Dataset, collate_fn: Callable[[list], Batch] | None = None,
                 num_workers: int = 0) -> None:
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise DataError(f"{type(dataset).__name__} is not a map-style Dataset (it needs __len__ and "
                            "__getitem__); iterable datasets cannot be shuffled reproducibly.")
        if len(dataset) == 0:
            raise DataError("the Dataset is empty.")
        self.dataset = dataset
        self.collate_fn = collate_fn or pad_collate
        self.num_workers = int(num_workers)

    def __len__(self) -> int:
        return len(self.dataset)

    def batches(self, order: torch.Tensor, batch_size: int) -> Iterator[Batch]:
        chunks = [order[i:i + batch_size].tolist() for i in range(0, len(order), batch_size)]
        loader = DataLoader(self.dataset, batch_sampler=chunks, collate_fn=self.collate_fn,
                            num_workers=self.num_workers)
        for batch in loader:
            yield as_batch(batch)

    def batch(self, idx: torch.Tensor) -> Batch:
        return as_batch(self.collate_fn([self.dataset[int(i)] for i in idx]))

    def subset(self, idx: torch.Tensor) -> "DatasetSource":
        return DatasetSource(torch.utils.data.Subset(self.dataset, idx.tolist()), self.collate_fn, self.num_workers)

    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.batch(torch.tensor([0]))["input"].shape[1:])

    def fingerprint(self) -> str:
        """Size and a hash of a few samples: enough to refuse a resume on another dataset."""
        h = hashlib.sha256(str(len(self)).encode())
        picks = sorted({0, len(self) // 3, len(self) // 2, len(self) - 1})
        for key, value in sorted(self.batch(torch.tensor(picks)).items()):
            h.update(key.encode())
            h.update(value.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]


Source = ArraySource | DatasetSource


def as_source(data: Any) -> Source:
    """What the trainer trains on: a tensor or array (the ``input``), a dict of them, a ``Dataset``,
    a ``DataLoader`` (its dataset, collate function and workers are used; the trainer still
    chooses the order and batch size), or a source."""
    if isinstance(data, (ArraySource, DatasetSource)):
        return data
    if isinstance(data, DataLoader):
        return DatasetSource(data.dataset, data.collate_fn, data.num_workers)
    if isinstance(data, Dataset):
        return DatasetSource(data)
    if data is None:
        raise DataError("no training data given (got None).")
    return ArraySource(data)


def shard(batch: Batch, rank: int, world: int) -> Batch:
    """This process's share of a global batch: every ``world``-th sample from ``rank``."""
    return batch if world == 1 else {k: v[rank::world] for k, v in batch.items()}


def batch_size_of(batch: Batch) -> int:
    return len(batch["input"]) if "input" in batch else len(next(iter(batch.values())))


__all__ = ["ArraySource", "Batch", "DatasetSource", "Source", "as_batch", "as_source", "batch_size_of",
           "pad_collate", "shard"]
