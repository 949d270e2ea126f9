"""Model servers named by more than one use (the main model, purposes routed to pools
of their own): which are shared, and how a shared server's slots go round, in priority
order across the pools (llm/pool.py's Servers). Control flow only, no server: the pools'
bookkeeping of slots; tests/test_llama_server.py runs the same against real servers."""

from __future__ import annotations

import threading
import time

from agent_server.llm.base import run_at
from agent_server.llm.openai_http import OpenAIHTTPModel
from agent_server.llm.pool import ModelPool, Servers
from agent_server.scheduler import Priority
from agent_server.server import shared_servers
from tests.conftest import make_settings

A, B, C = (f"http://127.0.0.1:{port}/v1" for port in (9, 10, 11))


def test_servers_named_by_two_uses_are_shared(tmp_path):
    settings = make_settings(tmp_path, model_routes={"importance": [A], "conversation": [A, B]})
    assert shared_servers(settings, []) == {A}
    # The main model's servers count as a use; one set of servers named by several
    # purposes is one pool.
    settings = make_settings(tmp_path, llm_backend="openai", openai_base_urls=[B, C],
                             model_routes={"importance": [A], "reflection": [A], "conversation": [C]})
    assert shared_servers(settings, []) == {C}
    assert shared_servers(settings, [A]) == {A}  # servers this process started serve the main model
    assert shared_servers(make_settings(tmp_path), []) == set()


def _model(url: str, slots: int) -> OpenAIHTTPModel:
    return OpenAIHTTPModel(url, "m", max_in_flight=slots)


def test_pools_made_with_the_same_servers_share_their_endpoints():
    servers = Servers()
    shared = _model(A, 2)
    first, second = ModelPool([shared, _model(B, 2)], servers=servers), ModelPool([shared], servers=servers)
    assert first.endpoints[0] is second.endpoints[0] and first.endpoints[1] is not second.endpoints[0]
    assert ModelPool([_model(A, 2)]).endpoints[0] is not first.endpoints[0]  # a pool of its own


def test_a_full_shared_server_gives_its_next_slot_to_the_most_urgent_waiting_in_any_pool():
    servers = Servers()
    shared = _model(A, 1)
    town, voice = ModelPool([shared], servers=servers), ModelPool([shared], servers=servers)
    endpoint = town.endpoints[0]
    endpoint.in_flight = 1  # its one slot taken
    took: list[str] = []

    def take(pool: ModelPool, priority: int, name: str) -> None:
        run_at(priority)
        pool._take(None, arrival=next(servers.arrivals))
        took.append(name)

    planning = threading.Thread(target=take, args=(town, Priority.PLANNING, "planning"))
    planning.start()
    time.sleep(0.2)
    player = threading.Thread(target=take, args=(voice, Priority.PLAYER, "player"))
    player.start()
    time.sleep(0.2)
    assert took == [] and endpoint.in_flight == 1 and len(servers.waiting) == 2  # neither goes over the slot

    def free_one() -> None:
        with servers.lock:
            endpoint.in_flight -= 1
            servers.lock.notify_all()

    free_one()
    player.join(5)
    assert took == ["player"] and endpoint.in_flight == 1  # the later but more urgent one
    time.sleep(0.2)
    assert took == ["player"]  # the other still waits
    free_one()
    planning.join(5)
    assert took == ["player", "planning"] and servers.waiting == []


def test_a_request_hastened_while_it_waits_moves_up():
    servers = Servers()
    pool = ModelPool([_model(A, 1)], servers=servers)
    pool.endpoints[0].in_flight = 1
    took: list[str] = []
    priorities = {"reflection": int(Priority.REFLECTION), "planning": int(Priority.PLANNING)}

    def take(name: str) -> None:
        run_at(lambda: priorities[name])  # as the scheduler does: read as it is now
        pool._take(None, arrival=next(servers.arrivals))
        took.append(name)

    threads = [threading.Thread(target=take, args=(name,)) for name in ("planning", "reflection")]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    priorities["reflection"] = int(Priority.PLAYER)  # someone waits for it now
    with servers.lock:
        pool.endpoints[0].in_flight -= 1
        servers.lock.notify_all()
    time.sleep(0.3)
    assert took == ["reflection"]
    with servers.lock:
        pool.endpoints[0].in_flight -= 1
        servers.lock.notify_all()
    for thread in threads:
        thread.join(5)
    assert took == ["reflection", "planning"]
