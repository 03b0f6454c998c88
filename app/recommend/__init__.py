"""The recommended model (Model > Recommend): Input -> UNet -> Target planned from a
data set's fingerprint after nnU-Net's 2D rules (docs/recommend.md). No Qt."""
from .fingerprint import Fingerprint, RecommendError, fingerprint
from .memory import MemoryBudget, MemoryEstimate, device_budget, estimate_memory
from .planner import Recommendation, recommend

__all__ = ["Fingerprint", "MemoryBudget", "MemoryEstimate", "Recommendation", "RecommendError",
           "device_budget", "estimate_memory", "fingerprint", "recommend"]
