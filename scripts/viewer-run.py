#!/usr/bin/env python3
# Builds a 10,000-case run from a real case (its result and case directory replicated under
# 5,000 fixture names x 2 agents), for timing `harness report` and the viewer.
import json, os, shutil, sys
src_run, case, out = sys.argv[1], sys.argv[2], sys.argv[3]
template = json.load(open(f"{src_run}/cases/{case}/result.json"))
case_dir = f"{src_run}/cases/{case}"
os.makedirs(f"{out}/cases", exist_ok=True)
with open(f"{out}/ledger.jsonl", "w") as ledger:
    for i in range(5000):
        for agent, reward in (("steady", (i % 5) / 4), ("eager", ((i + 2) % 5) / 4)):
            r = dict(template)
            r["run_id"] = "big"
            r["fixture"] = f"fx-{i:04d}"
            r["agent"] = agent
            r["case"] = f"fx-{i:04d}::{agent}"
            r["reward"] = reward
            r["status"] = "passed" if reward == 1 else "failed"
            r["passed"] = reward == 1
            ledger.write(json.dumps(r) + "\n")
            shutil.copytree(case_dir, f"{out}/cases/fx-{i:04d}__{agent}")
