"""Day plans read back from the model run forwards in time, whatever times it wrote."""

from agent_server.prompts import decompose
from agent_server.prompts.day_plan import parse_plan


def test_repeated_and_backward_times_are_moved_forwards():
    text = ("1. 7:00 am: Mei will wake up\n2. 1:30 am: Mei will have lunch\n3. 1:30 am: Mei will read\n"
            "4. 4:00 pm: Mei will tend the garden\n5. 4:00 pm: Mei will cook dinner and\n")
    items = parse_plan(text)
    assert [d for _, d in items] == ["wake up", "have lunch", "read", "tend the garden", "cook dinner"]
    assert [t for t, _ in items] == [420, 450, 480, 960, 990]


def test_a_step_the_model_repeats_is_one_longer_step():
    text = ("1. Isabella will take a short walk to the cafe (10 minutes)\n"
            "2. Isabella will take a short walk to the cafe again (10 minutes)\n"
            "3. Isabella will take a short walk to the Cafe, again (15 minutes)\n"
            "4. Isabella will bake bread (10 minutes)\n"
            "5. Isabella will take a short walk to the cafe (15 minutes)\n")
    assert decompose.parse(text) == [(35, "take a short walk to the cafe"), (10, "bake bread"),
                                     (15, "take a short walk to the cafe")]
    # Merged steps still fill the hour exactly, cut where they run over.
    assert decompose.parse(text, minutes=30) == [(30, "take a short walk to the cafe")]


def test_steps_that_cannot_be_steps_of_the_hour_are_left_out():
    text = ("1. Nadia will knead the dough (10 minutes)\n"
            "2. Nadia will sleep for the rest (15 minutes)\n"
            "3. Nadia will not leave the bakery until (10 minutes)\n"
            "4. Nadia will wake up at the counter (5 minutes)\n"
            "5. Nadia will serve customers, where (15 minutes)\n")
    # Sleeping, waking up and what she will not do are no steps of a working hour; a
    # phrase left dangling loses its last word.
    assert decompose.parse(text, 60, "work at the bakery") == [(10, "knead the dough"), (50, "serve customers")]
    # In an hour about waking up, waking up is a step.
    assert decompose.parse("1. Nadia will wake up (10 minutes)\n", 30, "wake up and get ready for the day") == \
        [(30, "wake up")]
    # Nothing left: the hour itself is its one step.
    assert decompose.parse("1. Nadia will sleep (15 minutes)\n", 60, "work at the bakery") == \
        [(60, "work at the bakery")]



def test_a_phrase_its_grammar_cut_at_its_bound_loses_its_last_word():
    from agent_server.prompts import day_plan, react
    from agent_server.prompts.phrases import tidy

    cut = "spend the next hours in my flat on the ground f"
    assert tidy(cut, cap=len(cut)) == "spend the next hours in my flat on the ground"
    assert tidy("walk to the park", cap=50) == "walk to the park"  # under its bound: whole
    item = ("open the shop, sweep the floor and check the fridges " * 2)[:day_plan.ITEM_CHARS]
    assert parse_plan(f"1. 8:00 am: Ann will {item}")[0][1] == "open the shop, sweep the floor and check"
    assert parse_plan("1. 8:00 am: Ann will open the shop")[0][1] == "open the shop"
    instead = ("tidy the shop and then sit down in the back room for a " * 2)[:react.ACTIVITY_CHARS]
    assert react.parse_instead(f"Ann will {instead}.", "Ann") == "tidy the shop and then sit down in the back room"
