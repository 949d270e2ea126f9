"""Simulacra's agent server: the minds of the town's NPCs.

Where things live:
- settings.py     every option, with defaults, bounds and descriptions
- errors.py       the named failures, and their gRPC status codes
- town.py         the place tree (sector -> arena -> object) from the town data file
- scenario.py     who lives in the town, from the scenario file
- world.py        what the world last reported about each agent
- llm/            language models behind one small interface, and grammars
- scheduler.py    the one queue through which all model work passes, by priority
- prompts/        one template per cognitive function, next to its output grammar
- planning.py     deciding what an agent does next
- dialogue.py     answering the player
- service.py      the API's behaviour, in proto messages
- api/            the two doors onto the service: gRPC and the WebSocket gateway
- server.py       wiring it all into one asyncio process
"""
