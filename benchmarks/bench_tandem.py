"""A three-team tandem (M/M/1 -> M/M/2 -> M/M/3, each at utilisation 0.67) in scalesim, bare SimPy and Ciw.

    python benchmarks/bench_tandem.py [--days 2000]

All three simulate the same network for the same horizon; each prints cases/second and the mean time through
the network, which Jackson's theorem puts at the sum of the three M/M/c sojourns (printed too), so the
comparison is between models that agree. Ciw is optional (`pip install ciw`); it is skipped if absent.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import simpy

from scalesim.ops.cases import Cases
from scalesim.ops.run import run_environment
from scalesim.ops.streams import Streams
from scalesim.scenario.load import validate

LAM = 20.0  # cases per day
CHAIN = [(1, 0.8), (2, 1.6), (3, 2.4)]  # (servers, mean service hours): each at rho = 2/3
ALWAYS = {"hours_per_day": 24, "days_per_week": 7, "start_hour": 0}


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    a, rho = lam / mu, lam / (c * mu)
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top) / (c * mu - lam)


def scenario(days: float):
    teams = {
        f"t{i}": {"staff": c, "service_hours": {"dist": "exponential", "mean": h}, "calendar": ALWAYS}
        for i, (c, h) in enumerate(CHAIN)
    }
    environment = {
        "data_quality": 1,
        "exception_rate": 0,
        "accuracy": 1,
        "adoption": {"with_owner": 1, "without_owner": 1},
        "teams": teams,
        "handoffs": [{"team": name} for name in teams],
    }
    return validate(
        {
            "name": "tandem",
            "run": {"horizon_days": days, "drain_days": 0, "seed": 1},
            "workload": {"arrival_rate": LAM},
            "value": {"uplift": 1.0},
            "pilot": environment,
            "production": environment,
            "designs": {"plain": {}},
        }
    )


def run_scalesim(days: float) -> tuple[int, float]:
    sc = scenario(days)
    cases = Cases(sc, Streams(1))
    run = run_environment(sc, sc.production, sc.designs["plain"], cases)
    return cases.count, float(np.nanmean(run.ledger.lead_times()))


def run_simpy(days: float) -> tuple[int, float]:
    rng = np.random.default_rng(1)
    arrivals = np.cumsum(rng.standard_exponential(int(LAM * days * 1.2)) / LAM)
    arrivals = arrivals[arrivals < days].tolist()
    env = simpy.Environment()
    stations = [(simpy.Resource(env, c), (rng.standard_exponential(len(arrivals)) * h / 24).tolist()) for c, h in CHAIN]
    through: list[float] = []

    def case(i: int):
        start = env.now
        for resource, service in stations:
            with resource.request() as req:
                yield req
                yield env.timeout(service[i])
        through.append(env.now - start)

    def source():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(case(i))

    env.process(source())
    env.run(until=days)
    return len(arrivals), float(np.mean(through))


def run_ciw(days: float) -> tuple[int, float] | None:
    try:
        import ciw
    except ImportError:
        return None
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM), None, None],
        service_distributions=[ciw.dists.Exponential(rate=24 / h) for _, h in CHAIN],
        number_of_servers=[c for c, _ in CHAIN],
        routing=[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]],
    )
    ciw.seed(1)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(days)
    records = sim.get_all_records()
    by_customer: dict[int, list] = {}
    for r in records:
        by_customer.setdefault(r.id_number, []).append(r)
    through = [
        max(x.exit_date for x in rs) - min(x.arrival_date for x in rs) for rs in by_customer.values() if len(rs) == 3
    ]
    return len(by_customer), float(np.mean(through))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=2000)
    args = parser.parse_args()
    theory = sum(erlang_c_wait(LAM, 24 / h, c) + h / 24 for c, h in CHAIN)
    print(f"tandem M/M/1 -> M/M/2 -> M/M/3, lambda {LAM:g}/day, {args.days:g} days; Jackson: {theory:.4f} days")
    rates = {}
    for name, fn in (("bare SimPy", run_simpy), ("scalesim", run_scalesim), ("Ciw", run_ciw)):
        start = time.perf_counter()
        out = fn(args.days)
        seconds = time.perf_counter() - start
        if out is None:
            print(f"{name:<11} not installed")
            continue
        n, mean = out
        rates[name] = n / seconds
        print(f"{name:<11} {rates[name]:>9,.0f} cases/s  mean time through {mean:.4f} days")
    bare = rates["bare SimPy"]
    print("cost relative to bare SimPy: " + ", ".join(f"{k} {bare / v:.2f}x" for k, v in rates.items()))


if __name__ == "__main__":
    main()
