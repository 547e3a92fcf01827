#!/usr/bin/env python3
"""Golden quantiles of Student's t distribution, from scipy.stats.t.ppf itself.

    python3 scripts/golden_student_t.py [--out Tests/Goldens]

Writes student-t/quantiles.csv: degrees_of_freedom,p,quantile (repr of the float64, so the
file holds scipy's value bit for bit). compare's 95% interval of a mean over n seeds uses
p = 0.975 with n − 1 degrees of freedom; the other p and ν check the whole function, both
tails and far into them. CompareStatisticsTests requires agreement to 1e-10.
"""
import argparse, os

import scipy
from scipy.stats import t

DEGREES = list(range(1, 31)) + [35, 40, 50, 60, 80, 100, 120, 200, 500, 1000, 10000, 0.5, 1.5, 2.5, 7.25]
PS = [0.0005, 0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9995]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Goldens"))
    out = os.path.join(parser.parse_args().out, "student-t")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "quantiles.csv"), "w") as f:
        f.write(f"# scipy {scipy.__version__}: scipy.stats.t.ppf(p, degrees_of_freedom)\n")
        f.write("degrees_of_freedom,p,quantile\n")
        for nu in DEGREES:
            for p in PS:
                f.write(f"{nu!r},{p!r},{float(t.ppf(p, nu))!r}\n")

if __name__ == "__main__":
    main()
