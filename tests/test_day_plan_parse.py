"""Day plans read back from the model run forwards in time, whatever times it wrote."""

from agent_server.prompts.day_plan import parse_plan


def test_repeated_and_backward_times_are_moved_forwards():
    text = ("1. 7:00 am: Mei will wake up\n2. 1:30 am: Mei will have lunch\n3. 1:30 am: Mei will read\n"
            "4. 4:00 pm: Mei will tend the garden\n5. 4:00 pm: Mei will cook dinner and\n")
    items = parse_plan(text)
    assert [d for _, d in items] == ["wake up", "have lunch", "read", "tend the garden", "cook dinner"]
    assert [t for t, _ in items] == [420, 450, 480, 960, 990]
