"""Simulacra's agent server: the minds of the town's NPCs.

Where things live:
- settings.py     every option, with defaults, bounds and descriptions
- options.py      the options the minds think with, built from the settings
- errors.py       the named failures, and their gRPC status codes
- town.py         the place tree (sector -> arena -> object) from the town data file
- scenario.py     who lives in the town, from the scenario file
- clock.py        game time, and the scenario's calendar ("Tuesday February 14")
- world.py        what the world last reported about each agent, and commands waiting for it
- llm/            language models behind one small interface (llama.cpp in process, or an
                  OpenAI-compatible server), and grammar builders
- scheduler.py    the one queue through which all model work passes, by priority
- prompts/        one template per cognitive function, next to its output grammar
- memory/         embeddings, the durable memory stream (one SQLite file per save), retrieval
- importance.py   rating memories 1-10 from the model's probabilities
- mind.py         one agent's mind: its state, and how it remembers, recalls and asks the model
- planning.py     summary, wake-up, day plan, hourly chunks, 5-15-minute actions at known places
- places.py       place choice: where an action happens, down the place tree the agent knows
- reacting.py     perceptions into observations; react, talk, or change course
- reflection.py   questions and insights over recent memories, citing evidence
- dialogue.py     conversations between agents, the player, interviews
- society.py      all the minds together: background thinking, conversations, commands
- saves.py        the simulation save (minds, conversations, clock) beside the memory stream
- service.py      the API's behaviour, in proto messages
- api/            the two doors onto the service: gRPC and the WebSocket gateway
- server.py       wiring it all into one asyncio process
"""
