"""An agent's memory: embeddings, the durable memory stream, and retrieval."""

from agent_server.memory.embedding import Embedder, MiniLMEmbedder
from agent_server.memory.node import KINDS, MemoryNode, NewMemory, PendingMemory
from agent_server.memory.retrieval import RetrievalWeights, Retriever, ScoredMemory
from agent_server.memory.stream import MemoryStore

__all__ = [
    "KINDS",
    "Embedder",
    "MemoryNode",
    "MemoryStore",
    "MiniLMEmbedder",
    "NewMemory",
    "PendingMemory",
    "RetrievalWeights",
    "Retriever",
    "ScoredMemory",
]
