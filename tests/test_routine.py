"""Routines: a day read from a scenario's habits (agent_server/routine.py), and the day
plan that starts from it (planning.Planner), with a scripted model."""

from __future__ import annotations

import re

from agent_server.routine import read
from tests.conftest import PROJECT_ROOT, SKELETON, start_scripted
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

MONDAY, SATURDAY = 0, 5


def _day(habits: str, first: str, weekday: int | None = MONDAY) -> list[tuple[str, str, str]]:
    return [(f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}", t) for s, e, t in read(habits, first).day(weekday)]


def test_a_day_is_read_from_clock_times_parts_of_the_day_and_meals():
    day = _day("Nadia wakes up at 6:30 am and feeds her cat. She works at the bakery from 8 am to 4 pm, "
               "has lunch at the corner pub and plays tennis in the evening. She goes to bed at 10 pm.", "Nadia")
    assert day == [
        ("06:30", "07:15", "wake up and get ready for the day"),
        ("07:15", "08:00", "feed her cat"),
        ("08:00", "12:00", "work at the bakery"),
        ("12:00", "13:00", "have lunch at the corner pub"),  # lunch in the middle of the working day
        ("13:00", "16:00", "work at the bakery"),
        ("16:00", "18:00", "spend the afternoon at home"),  # a time the habits leave open
        ("18:00", "22:00", "play tennis in the evening"),
    ]


def test_what_follows_an_item_at_once_shares_its_time_and_each_item_ends_where_it_says():
    day = _day("Omar opens the shoe shop at 9 am and runs it until 6 pm, then walks home. "
               "He sleeps until 8 am and goes to bed around midnight.", "Omar")
    assert day == [
        ("08:00", "09:00", "wake up and get ready for the day"),  # sleeps until 8
        ("09:00", "09:30", "open the shoe shop"),
        ("09:30", "18:00", "run it"),
        ("18:00", "24:00", "walk home"),  # to bed around midnight
    ]


def test_items_for_some_days_only_hold_on_those_days():
    habits = "Ines wakes up at 7 am and repairs bicycles at her workshop from 9 am to 5 pm; on Saturdays she sells " \
             "vegetables at the market from 8 am to 1 pm."
    weekday = [t for _, _, t in _day(habits, "Ines", MONDAY)]
    saturday = [t for _, _, t in _day(habits, "Ines", SATURDAY)]
    assert "sell vegetables at the market" not in weekday
    assert "sell vegetables at the market" in saturday
    assert "sell vegetables at the market" not in [t for _, _, t in _day(habits, "Ines", None)]  # no calendar


def test_habits_without_a_clock_time_give_no_routine():
    assert not read("Pia likes long walks and reads a lot.", "Pia").usable
    assert read("Pia wakes up at 7 am and reads a lot.", "Pia").usable


HABITS = {
    "isabella": "Isabella wakes up at 6 am and bakes pastries before she opens Hobbs Cafe at 8 am. She works at the "
                "counter until 6 pm, walks in Oak Park and goes to bed at 10 pm.",
    "john_lin": "John wakes up at 7 am and walks to Willow Market and Pharmacy for 8 am. He works until 5 pm and comes "
                "home for dinner.",
    "mei_lin": "Mei wakes up at 6 am, cooks breakfast and reads in Oak Park from 9 am to noon.",
}


def _scenario_with_habits(tmp_path):
    text = SKELETON.read_text().replace('town = "../towns/', f'town = "{PROJECT_ROOT}/towns/')
    for agent_id, habits in HABITS.items():
        text = re.sub(rf'(id = "{agent_id}"\n(?:.*\n)*?home = .*\n)', rf'\1habits = "{habits}"\n', text, count=1)
    path = tmp_path / "with_habits.toml"
    path.write_text(text)
    return path


class Recording(TownScript):
    def __call__(self, request):
        self.purposes = getattr(self, "purposes", []) + [request.purpose]
        return super().__call__(request)


async def test_the_day_plan_starts_from_the_routine_at_the_places_it_names(tmp_path, embedder):
    script = Recording()
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder, scenario_path=_scenario_with_habits(tmp_path))
    try:
        society = server.society
        isabella = society.minds["isabella"]
        day = [(s.start % 86400 // 60, s.description, s.place_id) for s in isabella.state.day_plan]
        assert (8 * 60, "open Hobbs Cafe", "hobbs_cafe") in day
        assert isabella.state.wake_hour == 6 and isabella.state.bed_minute == 22 * 60
        hours = {s.start % 86400 // 3600: (s.description, s.place_id) for s in isabella.state.hourly}
        assert hours[10] == ("work at the counter", "hobbs_cafe")
        assert hours[18][1] == "oak_park" and max(hours) == 21
        john = society.minds["john_lin"]
        assert {s.place_id for s in john.state.hourly if 9 <= s.start % 86400 // 3600 < 17} == {"willow_market"}
        assert john.state.hourly[-1].place_id == "lin_house"  # "comes home for dinner"
        # Nobody's day or hours were written by the model; each hour's actions were.
        assert "day_plan" not in script.purposes and "hourly_plan" not in script.purposes
        assert "decompose" in script.purposes
        # Asleep at bedtime, at home.
        night = await society.next_action("isabella", 22 * 3600 + 600)
        assert night.activity.description == "sleeping"

        # A change of plans has the model write the next hour; the rest keeps the routine.
        async with isabella.lock:
            await society.planner.replan(isabella, 10 * 3600 + 600, because="a friend asked for help")
        hours = {s.start % 86400 // 3600: (s.description, s.place_id) for s in isabella.state.hourly}
        assert script.purposes.count("hourly_plan") == 1
        assert hours[11][0] == "work at the cafe"  # the scripted model's hour
        assert hours[12] == ("work at the counter", "hobbs_cafe")
    finally:
        await server.stop()


async def test_without_routines_the_model_writes_the_day(tmp_path, embedder):
    script = Recording()
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder, scenario_path=_scenario_with_habits(tmp_path),
                                  routine=False)
    try:
        assert script.purposes.count("day_plan") == 3 and script.purposes.count("hourly_plan") == 3
        assert server.society.minds["isabella"].state.bed_minute == 23 * 60
    finally:
        await server.stop()


def test_a_routine_item_is_placed_where_it_names_by_the_towns_own_names():
    from types import SimpleNamespace

    from agent_server.places import PlaceChooser
    from agent_server.town import Town

    town = Town.load(PROJECT_ROOT / "towns" / "smallville.json")
    mind = SimpleNamespace(agent=SimpleNamespace(home_place_id="lin_family_house.main_bedroom.johns_bed"))
    named = lambda text: PlaceChooser(None, None, town).named(mind, text)  # noqa: E731
    assert named("go to classes at Oak Hill College") == "oak_hill_college"  # not "Oak Hill" Apartments
    assert named("shop at Willows Market in the afternoon") == "willows_market_and_pharmacy"  # a long name's start
    assert named("work at the counter until the cafe closes") == "hobbs_cafe"  # the only cafe
    assert named("come home for dinner") == "lin_family_house"
    assert named("walk to Johnson Park or Hobbs Cafe") == "johnson_park"  # the first named
    assert named("write at her desk") == ""  # place choice decides


async def test_free_time_is_spent_out_where_the_model_chooses_and_at_home_by_default(tmp_path, embedder):
    script = Recording(free_time="Hobbs Cafe")
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder, scenario_path=_scenario_with_habits(tmp_path))
    try:
        mei = server.society.minds["mei_lin"]  # reads in Oak Park until noon; the rest of the day is hers
        day = [(s.start % 86400 // 60, s.minutes, s.description, s.place_id) for s in mei.state.day_plan]
        assert day[-4:] == [(12 * 60, 120, "spend the afternoon at Hobbs Cafe", "hobbs_cafe"),
                            (14 * 60, 240, "spend the afternoon at home", "lin_house"),
                            (18 * 60, 120, "spend the evening at Hobbs Cafe", "hobbs_cafe"),
                            (20 * 60, 180, "spend the evening at home", "lin_house")]
        assert (8 * 60 - 15, 75, "spend the morning at home", "lin_house") in day  # too short to go out
        hours = {s.start % 86400 // 3600: s.place_id for s in mei.state.hourly}
        assert hours[13] == hours[19] == "hobbs_cafe" and hours[15] == hours[21] == "lin_house"
        # A change of plans keeps the outings of the hours it does not rewrite.
        async with mei.lock:
            await server.society.planner.replan(mei, 12 * 3600 + 600, because="a friend called")
        assert {s.start % 86400 // 3600: s.place_id for s in mei.state.hourly}[19] == "hobbs_cafe"
        # Only the public places were offered: no one's home.
        offered = server.society.planner.places.public()
        assert "hobbs_cafe" in {p.id for p in offered} and "lin_house" not in {p.id for p in offered}
    finally:
        await server.stop()


async def test_free_time_stays_at_home_when_the_model_says_so_or_free_time_is_off(tmp_path, embedder):
    # At home as the model says; when free time is off; and out only somewhere the
    # routine does not already take the agent (Mei reads in Oak Park every morning).
    cases = ((Recording(), {}), (Recording(free_time="Hobbs Cafe"), {"free_time": False}),
             (Recording(free_time="Oak Park"), {}))
    for i, (script, options) in enumerate(cases):
        server = await start_scripted(tmp_path / str(i), ScriptedModel(script), embedder,
                                      scenario_path=_scenario_with_habits(tmp_path), **options)
        try:
            mei = server.society.minds["mei_lin"]
            assert {s.place_id for s in mei.state.day_plan if "spend the" in s.description} == {"lin_house"}
        finally:
            await server.stop()
