"""The engine bootstrap scripts as a user meets them: which CLI `scripts/ensure-pulumi.sh` picks, its error
when it would have to build without Go, and the dynamic-provider launcher's virtualenv handling.

They run the real scripts on a throw-away copy of the repo layout with fake `pulumi` binaries on PATH,
so nothing here builds anything or touches the real per-machine cache.
"""

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _fake_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(REPO / "scripts" / "ensure-pulumi.sh", repo / "scripts")
    shutil.copytree(REPO / "scripts" / "pulumi-bin", repo / "scripts" / "pulumi-bin")
    shutil.copytree(REPO / "scripts" / "pulumi-build", repo / "scripts" / "pulumi-build")
    return repo


def _fake_pulumi(directory: Path, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    exe = directory / "pulumi"
    exe.write_text(f"#!/bin/sh\necho v{version}\n")
    exe.chmod(0o755)
    return exe


def _ensure(repo: Path, tmp_path: Path, path: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {
        **extra_env,
        "PATH": path,
        "HOME": str(tmp_path / "home"),
        "FLEX_CHAT_TRANSFER_CACHE": str(tmp_path / "cache"),
        "PULUMI_VERSION": "3.274.1",
    }
    return subprocess.run(
        ["/bin/bash", str(repo / "scripts" / "ensure-pulumi.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# What the script needs besides bash; nothing else (no Go, no real pulumi) is on the PATH we give it.
SCRIPT_TOOLS = (
    "cat cmp cut date dirname flock head install ln mkdir mv readlink rm sed sha256sum sort tail".split()
)


def _basic_path(tmp_path: Path, *extra: Path) -> str:
    tools = tmp_path / "tools"
    if not tools.exists():
        tools.mkdir()
        for name in SCRIPT_TOOLS:
            (tools / name).symlink_to(shutil.which(name))
    return os.pathsep.join([str(p) for p in extra] + [str(tools)])


def test_a_new_enough_pulumi_on_path_is_used_with_our_launcher_next_to_it(tmp_path):
    repo = _fake_repo(tmp_path)
    ambient = _fake_pulumi(tmp_path / "ambient", "3.280.0")

    result = _ensure(repo, tmp_path, _basic_path(tmp_path, ambient.parent))

    assert result.returncode == 0, result.stderr
    assert f"using pulumi v3.280.0 from {ambient}" in result.stdout
    tools_bin = repo / ".tools" / "bin"
    assert (tools_bin / "pulumi").resolve() == ambient.resolve()
    launcher = tools_bin / "pulumi-resource-pulumi-python"
    assert os.access(launcher, os.X_OK)
    assert launcher.read_bytes() == (REPO / "scripts" / "pulumi-bin" / launcher.name).read_bytes()
    assert not (tmp_path / "cache").exists(), "nothing may be built when PATH has a usable CLI"

    again = _ensure(repo, tmp_path, _basic_path(tmp_path, ambient.parent))
    assert again.returncode == 0 and "using pulumi v3.280.0" in again.stdout


def test_an_older_pulumi_is_not_used_and_a_missing_go_is_one_clear_error(tmp_path):
    repo = _fake_repo(tmp_path)
    ambient = _fake_pulumi(tmp_path / "ambient", "3.100.0")

    result = _ensure(repo, tmp_path, _basic_path(tmp_path, ambient.parent))

    assert result.returncode == 1
    assert "v3.100.0, older than v3.274.1" in result.stdout
    assert result.stderr.startswith("error: Go is not installed")
    assert "pulumi >= v3.274.1 on PATH" in result.stderr
    assert not (repo / ".tools" / "bin").exists()


def test_a_module_the_proxy_does_not_serve_is_named_in_the_error(tmp_path):
    repo = _fake_repo(tmp_path)
    go = shutil.which("go")
    assert go, "Go is needed by this machine's set-up (no pulumi >= v3.274.1 on PATH); install Go"
    modcache = tmp_path / "modcache"  # empty: every module must come from the (disabled) proxy

    result = _ensure(
        repo,
        tmp_path,
        _basic_path(tmp_path, Path(go).parent),
        GOPROXY="off",
        GOMODCACHE=str(modcache),
        GOFLAGS="-modcacherw",
        GOCACHE=str(tmp_path / "gocache"),
        GOTOOLCHAIN="local",
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: Go module github.com/pulumi/pulumi/pkg/v3@v3.274.1 is not served by the Go module proxy "
        "(off): go: github.com/pulumi/pulumi/pkg/v3@v3.274.1: module lookup disabled by GOPROXY=off"
    )
    assert not (repo / ".tools" / "bin").exists()


def test_the_cached_build_is_reused_without_building_again(tmp_path):
    repo = _fake_repo(tmp_path)
    cache_bin = tmp_path / "cache" / "pulumi-v3.274.1" / "bin"
    _fake_pulumi(cache_bin, "3.274.1")
    # A host binary whose recorded source hash matches counts as built.
    build = repo / "scripts" / "pulumi-build"
    sources = [build / "go.mod", build / "go.sum", *sorted((build / "languagehost").glob("*.go"))]
    digest = subprocess.run(
        "cat " + " ".join(f"'{p}'" for p in sources) + " | sha256sum | cut -c1-16",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (cache_bin / "pulumi-language-python").write_text("#!/bin/sh\n")
    (cache_bin / "pulumi-language-python").chmod(0o755)
    (cache_bin / ".languagehost-hash").write_text(digest)
    go_stub = tmp_path / "gostub"
    go_stub.mkdir()
    (go_stub / "go").write_text("#!/bin/sh\necho 'go must not run' >&2\nexit 99\n")
    (go_stub / "go").chmod(0o755)

    result = _ensure(repo, tmp_path, _basic_path(tmp_path, go_stub))

    assert result.returncode == 0, result.stderr
    assert "building" not in result.stdout
    assert os.readlink(repo / ".tools" / "bin") == str(cache_bin)
    assert os.access(cache_bin / "pulumi-language-python-exec", os.X_OK)


def test_launcher_names_the_missing_virtualenv_resolved_from_the_project_root(tmp_path):
    project = tmp_path / "project"
    program = project / "infra"
    program.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: x\nruntime: python\n")

    result = subprocess.run(
        [str(REPO / "scripts" / "pulumi-bin" / "pulumi-resource-pulumi-python")],
        cwd=program,
        env={"PATH": _basic_path(tmp_path), "PULUMI_RUNTIME_VIRTUALENV": "no-such-venv/"},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 1
    assert f"virtualenv {project / 'no-such-venv'} has no bin/python" in result.stderr
    assert "make setup" in result.stderr
