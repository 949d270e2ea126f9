"""The emoji shown in an agent's bubble, from what it is doing or where."""

from __future__ import annotations

import re

_BY_WORD = [
    ("sleep", "😴"), ("nap", "😴"), ("coffee", "☕"), ("tea", "🍵"), ("pastr", "🥐"), ("bread", "🍞"),
    ("bak", "🥐"), ("cook", "🍳"), ("breakfast", "🍳"), ("lunch", "🍽"), ("dinner", "🍽"), ("eat", "🍽"),
    ("meal", "🍽"), ("grocer", "🛒"), ("shop", "🛒"), ("buy", "🛒"), ("medic", "💊"), ("prescri", "💊"),
    ("pharm", "💊"), ("read", "📚"), ("book", "📚"), ("stud", "📚"), ("teach", "📚"), ("lectur", "📚"),
    ("flower", "🌷"), ("garden", "🌷"), ("plant", "🌷"), ("walk", "🚶"), ("rest", "🛋"), ("relax", "🛋"),
    ("talk", "💬"), ("chat", "💬"), ("conversation", "💬"), ("paint", "🎨"), ("clean", "🧹"), ("bath", "🛁"),
    ("shower", "🚿"), ("wash", "🧼"), ("work", "💼"), ("write", "✍"), ("party", "🎉"),
]
_BY_PLACE = {
    "coffee machine": "☕", "stove": "🍳", "bed": "🛏", "sofa": "🛋", "bench": "🌳", "flower bed": "🌷",
    "shelves": "🛒", "cash register": "💊", "table": "🍽",
}


def emoji_for(activity: str, place_name: str = "") -> str:
    words = activity.lower()
    for stem, emoji in _BY_WORD:
        if re.search(rf"\b{stem}", words):
            return emoji
    return _BY_PLACE.get(place_name, "🚶")
