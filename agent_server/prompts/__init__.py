"""Prompt templates, one module per cognitive function, each next to its output grammar.

Every module here exposes `build(...) -> LLMRequest` and `parse(text) -> result`:
the grammar in `build` guarantees that `parse` never meets an answer of the wrong
shape, whatever the model.
"""
