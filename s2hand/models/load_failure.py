"""Why ``torch.load(weights_only=True)`` refused a file, in words fit to show a user.

torch's own message advises retrying with ``weights_only=False``; that would run whatever code
the file carries, and s2hand never does it, so the advice is dropped and only the reason kept.
"""

from __future__ import annotations

import pickle

_TORCH_ADVICE = ("weights_only", "Re-running", "file an issue", "Check the documentation",
                 "In PyTorch 2.6")


def load_failure_reason(exc: BaseException) -> str:
    """One-sentence reason for a failed safe load (never suggesting an unsafe retry)."""
    text = str(exc)
    if isinstance(exc, pickle.UnpicklingError) and "Weights only load failed" in text:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        kept = [line.replace("WeightsUnpickler error:", "").strip() for line in lines
                if not any(marker in line for marker in _TORCH_ADVICE)]
        detail = "; ".join(line for line in kept if line)
        if "GLOBAL" in detail:
            return (f"it holds objects outside the allow-list of tensors, numbers, strings and "
                    f"plain containers ({detail}); s2hand never unpickles such objects, because "
                    "unpickling them can run code")
        return f"it is not a PyTorch checkpoint, or it is corrupt or truncated ({detail})"
    return (f"it is not a PyTorch checkpoint, or it is corrupt or truncated "
            f"({type(exc).__name__}: {text})")
