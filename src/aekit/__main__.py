"""``python -m aekit COMMAND ...``, the same as the ``aekit`` command; also what
``torchrun --nproc_per_node 2 -m aekit train ...`` runs in every process."""

from .cli import main

raise SystemExit(main())
