"""Toy training as a script: ``python toy_run.py OUT [--resume] [--sleep S]``; under torchrun
it trains with DDP (gloo). Writes ``OUT/final_rank<r>.pt`` with the final weights."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from toy import make_trainer, mse_step  # noqa: E402

from s2hand.engine.distributed import cleanup, init_distributed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--sleep", type=float, default=0.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    info = init_distributed(torch.device("cpu"))

    def slow_step(model, batch):
        time.sleep(args.sleep)
        return mse_step(model, batch)

    trainer = make_trainer(args.out, epochs=3, step=slow_step, checkpoint_every_iters=1)
    if info.enabled:
        trainer = type(trainer)(trainer.model, slow_step, trainer.optimizer, trainer.scheduler,
                                trainer.loader.dataset.dataset, trainer.cfg, trainer.device,
                                dist_info=info, checkpoints=trainer.checkpoints,
                                logger=trainer.logger)
    if args.resume:
        trainer.resume(str(args.out / "model" / "latest.t7"))
    trainer.fit()
    torch.save(trainer.model.state_dict(), args.out / f"final_rank{info.rank}.pt")
    cleanup(info)


if __name__ == "__main__":
    main()
