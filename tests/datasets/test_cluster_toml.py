"""cluster.toml -> dask-jobqueue: the generated SLURM job script books the cores, memory and walltime of
the file and starts single-thread workers with the cpu resource a solve asks for (no real scheduler)."""

from __future__ import annotations

import sys

import pytest

from schedbench.datasets.executors import jobqueue_cluster
from schedbench.problems import SchedbenchError

pytest.importorskip("dask_jobqueue", reason='dask-jobqueue is not installed (pip install "schedbench[hpc]")')

CLUSTER_TOML = """
[slurm]
queue = "cpu"
account = "proj42"
cores = 4
processes = 4
job_cpu = 8
memory = "16GB"
walltime = "02:30:00"
jobs = 3
job_script_prologue = ["module load python/3.11"]
worker_extra_args = ["--lifetime", "2h20m", "--lifetime-stagger", "4m"]
scheduler_options = {host = "127.0.0.1"}
"""


def test_the_slurm_job_script_follows_cluster_toml(tmp_path):
    config = tmp_path / "cluster.toml"
    config.write_text(CLUSTER_TOML)
    cluster, jobs = jobqueue_cluster("slurm", config, threads=2)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert jobs == 3
    lines = script.splitlines()
    assert "#SBATCH -p cpu" in lines and "#SBATCH -A proj42" in lines
    assert "#SBATCH --cpus-per-task=8" in lines  # job_cpu: 4 workers x 2 threads per solve
    assert "#SBATCH --mem=15G" in lines  # dask-jobqueue books memory in whole GiB
    assert "#SBATCH -t 02:30:00" in lines
    assert "module load python/3.11" in lines
    (command,) = [line for line in lines if "distributed.cli.dask_worker" in line]
    assert "--nworkers 4" in command and "--nthreads 1" in command
    assert "--resources cpu=2" in command  # job_cpu / processes, for a solve with 2 threads
    assert "--lifetime 2h20m" in command and "--memory-limit 3.73GiB" in command  # 16 GB / 4 workers
    assert command.startswith(sys.executable + " -m distributed.cli.dask_worker tcp://127.0.0.1:")


def test_a_job_too_small_for_the_solve_is_refused_before_anything_is_submitted(tmp_path):
    config = tmp_path / "cluster.toml"
    config.write_text('[slurm]\ncores = 4\nprocesses = 4\nmemory = "8GB"\n')
    with pytest.raises(SchedbenchError, match="1 core.*fewer than --threads-per-solve 4; set job_cpu"):
        jobqueue_cluster("slurm", config, threads=4)
    with pytest.raises(SchedbenchError, match=r"no \[pbs\] section \(sections: slurm\)"):
        jobqueue_cluster("pbs", config)
    config.write_text("[slurm\n")
    with pytest.raises(SchedbenchError, match="not valid TOML"):
        jobqueue_cluster("slurm", config)
    config.write_text('[slurm]\ncores = 1\nmemory = "1GB"\nno_such_key = 1\n')
    with pytest.raises(SchedbenchError, match=r"\[slurm\]"):
        jobqueue_cluster("slurm", config)


def test_the_readme_example_makes_a_valid_job_script(tmp_path):
    from helpers.paths import REPO

    readme = (REPO / "README.md").read_text()
    block = readme.split("```toml\n[slurm]", 1)[1].split("```", 1)[0]
    config = tmp_path / "cluster.toml"
    config.write_text("[slurm]" + block + 'scheduler_options = {host = "127.0.0.1"}\n')
    cluster, jobs = jobqueue_cluster("slurm", config, threads=4)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert jobs == 10 and "#SBATCH --cpus-per-task=32" in script and "--resources cpu=4" in script
