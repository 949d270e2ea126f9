"""Language models behind one small interface (base.py), and output grammars."""

from agent_server.llm.base import Completion, LanguageModel, LLMRequest

__all__ = ["Completion", "LanguageModel", "LLMRequest"]
