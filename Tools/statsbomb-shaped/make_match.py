#!/usr/bin/env python3
"""Writes a fictional match in StatsBomb's published shape (events and line-ups JSON), for tests.

Nothing here comes from StatsBomb's data, whose licence does not allow it to be committed: the
teams, players and events are made up; only the shape (field names, type ids, periods,
minutes running across periods) follows StatsBomb's open-data documentation. The match has
what real data brings and the simulator never did: an own goal, a second yellow card, three
substitutions a side, a penalty, stoppage time, extra time and a penalty shoot-out.

Usage: make_match.py OUT_DIR   (writes OUT_DIR/events.json and OUT_DIR/lineups.json)
"""
import json
import sys
import uuid

HOME = {"id": 9001, "name": "Aldeia Atlético"}
AWAY = {"id": 9002, "name": "Northbridge Rovers"}

# (id, name, nickname, jersey, position id, position name); the first eleven start.
SQUADS = {
    9001: [
        (91001, "João Baptista Ramalho", "João Ramalho", 1, 1, "Goalkeeper"),
        (91002, "Tiago Conceição", None, 2, 2, "Right Back"),
        (91003, "Rúben Fontes Araújo", "Rúben Fontes", 4, 3, "Right Center Back"),
        (91004, "Duarte Simões", None, 5, 5, "Left Center Back"),
        (91005, "André Gonçalves", None, 3, 6, "Left Back"),
        (91006, "Nuno Salgueiro", None, 6, 10, "Center Defensive Midfield"),
        (91007, "Vítor Hugo Magalhães", "Vitinha", 8, 13, "Right Center Midfield"),
        (91008, "Henrique Leal", None, 10, 15, "Left Center Midfield"),
        (91009, "Sérgio Lobão", None, 7, 17, "Right Wing"),
        (91010, "Álvaro Queiroz", None, 9, 23, "Center Forward"),
        (91011, "Mário Estêvão", None, 11, 21, "Left Wing"),
        (91012, "Gonçalo Patrício", None, 14, 0, None),
        (91013, "Bruno Sequeira", None, 12, 0, None),
        (91014, "Ivo Brandão Júnior", "Ivo Brandão", 17, 0, None),
        (91015, "Filipe Anjos", None, 15, 0, None),
        (91016, "Rui Tavares", None, 16, 0, None),
    ],
    9002: [
        (92001, "Callum Ashdown", None, 1, 1, "Goalkeeper"),
        (92002, "Declan O'Rourke", None, 2, 2, "Right Back"),
        (92003, "Tomasz Wiśniewski", None, 5, 3, "Right Center Back"),
        (92004, "Marcus Fairweather", None, 6, 5, "Left Center Back"),
        (92005, "Sebastian Holt-Morrison", "Seb Holt", 3, 6, "Left Back"),
        (92006, "Kwame Asante", None, 4, 10, "Center Defensive Midfield"),
        (92007, "Liam Castellanos", None, 8, 13, "Right Center Midfield"),
        (92008, "Ethan Whitcombe", None, 10, 15, "Left Center Midfield"),
        (92009, "Oskar Lindqvist", None, 7, 17, "Right Wing"),
        (92010, "Jamal Idrissi", None, 9, 23, "Center Forward"),
        (92011, "Rhys Pemberton", None, 11, 21, "Left Wing"),
        (92012, "Niall Gallagher", None, 13, 0, None),
        (92013, "Yusuf Demir", None, 14, 0, None),
        (92014, "Adebayo Okafor", None, 17, 0, None),
        (92015, "Theo Marchetti", None, 19, 0, None),
        (92016, "Dominic Price", None, 20, 0, None),
    ],
}

TYPES = {
    "Pass": 30, "Ball Receipt*": 42, "Carry": 43, "Pressure": 17, "Shot": 16, "Foul Committed": 22, "Foul Won": 21,
    "Bad Behaviour": 24, "Substitution": 19, "Own Goal Against": 20, "Own Goal For": 25, "Half Start": 18, "Half End": 34,
    "Starting XI": 35, "Tactical Shift": 36, "Injury Stoppage": 40,
}
OUTCOMES = {"Goal": 97, "Saved": 100, "Blocked": 96, "Off T": 98, "Post": 99, "Wayward": 101}
CARDS = {"Yellow Card": 7, "Second Yellow": 6, "Red Card": 5}
PERIOD_START = {1: 0, 2: 45, 3: 90, 4: 105, 5: 120}

events = []


def player(pid):
    for team, squad in SQUADS.items():
        for entry in squad:
            if entry[0] == pid:
                return team, entry
    raise KeyError(pid)


def add(period, minute, second, type_name, team, pid=None, **extra):
    start = PERIOD_START[period]
    elapsed = (minute - start) * 60 + second
    event = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"soccerstream-test/{len(events) + 1}")),
        "index": len(events) + 1,
        "period": period,
        "timestamp": "%02d:%02d:%02d.%03d" % (elapsed // 3600, elapsed // 60 % 60, elapsed % 60, (len(events) * 37) % 1000),
        "minute": minute,
        "second": second,
        "type": {"id": TYPES[type_name], "name": type_name},
        "possession": 1 + len(events) // 5,
        "possession_team": team,
        "play_pattern": {"id": 1, "name": "Regular Play"},
        "team": team,
        "duration": 0.8,
    }
    if pid is not None:
        _, entry = player(pid)
        event["player"] = {"id": pid, "name": entry[1]}
        if entry[4]:
            event["position"] = {"id": entry[4], "name": entry[5]}
        event["location"] = [60.0 + (len(events) % 40), 40.0 - (len(events) % 30)]
    event.update(extra)
    events.append(event)


def filler(period, minute, team, pids):
    """Passes, receipts, carries and a pressure: the bulk of a real file, skipped by the importer."""
    for index, pid in enumerate(pids):
        add(period, minute, index * 7 % 60, "Pass", team, pid, **{"pass": {"length": 12.5, "angle": 0.4, "height": {"id": 1, "name": "Ground Pass"}}})
        add(period, minute, (index * 7 + 1) % 60, "Ball Receipt*", team, pid)
        add(period, minute, (index * 7 + 2) % 60, "Carry", team, pid, carry={"end_location": [70.1, 30.2]})
    other = AWAY if team == HOME else HOME
    add(period, minute, 50, "Pressure", other, SQUADS[other["id"]][5][0])


def shot(period, minute, second, team, pid, outcome, penalty=False):
    add(period, minute, second, "Shot", team, pid, shot={
        "statsbomb_xg": 0.76 if penalty else 0.12,
        "end_location": [120.0, 40.0, 1.0],
        "outcome": {"id": OUTCOMES[outcome], "name": outcome},
        "type": {"id": 88, "name": "Penalty"} if penalty else {"id": 87, "name": "Open Play"},
        "body_part": {"id": 40, "name": "Right Foot"},
        "technique": {"id": 93, "name": "Normal"},
    })


def foul(period, minute, second, team, pid, card=None, penalty=False):
    detail = {}
    if card:
        detail["card"] = {"id": CARDS[card], "name": card}
    if penalty:
        detail["penalty"] = True
    add(period, minute, second, "Foul Committed", team, pid, **({"foul_committed": detail} if detail else {}))
    other = AWAY if team == HOME else HOME
    add(period, minute, second, "Foul Won", other, SQUADS[other["id"]][9][0])


def substitution(period, minute, second, team, off, on):
    add(period, minute, second, "Substitution", team, off, substitution={
        "outcome": {"id": 103, "name": "Tactical"}, "replacement": {"id": on, "name": player(on)[1][1]}})


def halves(period, minute_start):
    for team in (HOME, AWAY):
        add(period, minute_start, 0, "Half Start", team)


def half_end(period, minute, second):
    for team in (HOME, AWAY):
        add(period, minute, second, "Half End", team)


for team in (HOME, AWAY):
    squad = SQUADS[team["id"]]
    add(1, 0, 0, "Starting XI", team, tactics={
        "formation": 433,
        "lineup": [{"player": {"id": p[0], "name": p[1]}, "position": {"id": p[4], "name": p[5]}, "jersey_number": p[3]} for p in squad[:11]],
    })
halves(1, 0)
filler(1, 3, HOME, [91006, 91007, 91010])
foul(1, 12, 4, AWAY, 92006)                                  # a plain foul: counted, not told
shot(1, 17, 21, HOME, 91010, "Saved")
filler(1, 20, AWAY, [92007, 92008])
shot(1, 23, 9, AWAY, 92010, "Goal")                            # 0-1
foul(1, 31, 40, HOME, 91007, card="Yellow Card")
add(1, 38, 12, "Own Goal Against", AWAY, 92004)                # 1-1: Fairweather's own goal
add(1, 38, 12, "Own Goal For", HOME)
add(1, 41, 0, "Injury Stoppage", HOME, 91004)
shot(1, 47, 3, HOME, 91011, "Off T")                           # 45+2'
half_end(1, 47, 30)
halves(2, 45)
substitution(2, 52, 0, HOME, 91009, 91012)
foul(2, 58, 15, HOME, 91007, card="Second Yellow")             # Vitinha sent off
substitution(2, 61, 30, AWAY, 92011, 92013)
foul(2, 63, 50, AWAY, 92005, card="Yellow Card", penalty=True)
shot(2, 64, 40, HOME, 91010, "Goal", penalty=True)             # 2-1
add(2, 66, 0, "Tactical Shift", HOME, tactics={"formation": 442, "lineup": []})
substitution(2, 70, 0, HOME, 91011, 91014)
substitution(2, 75, 10, AWAY, 92009, 92014)
substitution(2, 79, 45, AWAY, 92010, 92015)
filler(2, 85, AWAY, [92015, 92014])
shot(2, 88, 2, AWAY, 92015, "Goal")                            # 2-2
add(2, 94, 20, "Bad Behaviour", AWAY, 92002, bad_behaviour={"card": {"id": 7, "name": "Yellow Card"}})   # 90+4'
half_end(2, 95, 1)
halves(3, 90)
substitution(3, 97, 0, HOME, 91003, 91015)
shot(3, 106, 10, AWAY, 92008, "Blocked")                       # 105+1'
half_end(3, 106, 30)
halves(4, 105)
shot(4, 113, 33, HOME, 91012, "Post")
half_end(4, 121, 5)
halves(5, 120)
kicks = [(HOME, 91010, "Goal"), (AWAY, 92015, "Goal"), (HOME, 91014, "Saved"), (AWAY, 92008, "Goal"),
         (HOME, 91012, "Goal"), (AWAY, 92006, "Off T"), (HOME, 91005, "Goal"), (AWAY, 92013, "Goal"),
         (HOME, 91004, "Goal"), (AWAY, 92007, "Saved")]                                          # 4-3 on penalties
for number, (team, pid, outcome) in enumerate(kicks):
    shot(5, 120 + (120 + number * 25) // 60, (120 + number * 25) % 60, team, pid, outcome, penalty=True)
half_end(5, 126, 0)

lineups = []
for team in (HOME, AWAY):
    lineups.append({
        "team_id": team["id"], "team_name": team["name"],
        "lineup": [{"player_id": p[0], "player_name": p[1], "player_nickname": p[2], "jersey_number": p[3],
                    "country": {"id": 1, "name": "Nowhere"}, "cards": [], "positions": []} for p in SQUADS[team["id"]]],
    })

out = sys.argv[1]
with open(f"{out}/events.json", "w", encoding="utf-8") as f:
    json.dump(events, f, ensure_ascii=False, indent=2)
    f.write("\n")
with open(f"{out}/lineups.json", "w", encoding="utf-8") as f:
    json.dump(lineups, f, ensure_ascii=False, indent=2)
    f.write("\n")
print(f"{len(events)} events written to {out}/events.json")
