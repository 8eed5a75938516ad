"""The pre-bundled AI SDK: pinned npm packages installed once into the tools cache,
bundled once per process, evaluated by every `@ai` isolate.

    <tools>/ai-sdk-<ai version>/   (typecheck's tools_dir(): ~/.cache/hoody-exec/tools, …)
        package.json, hoody-lock.json, node_modules/   (our installer, like TypeScript's)
        hoody-ai-entry.js                              (js/sdk_entry.js, copied)

The installer's folder lock makes parallel processes install it once; within a
process one task installs and bundles while every other caller awaits it. Once
installed, nothing here touches the network: a server starts offline.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hoody_exec.deps import Installer
from hoody_exec.deps.check import PROVIDED_PACKAGES
from hoody_exec.observability import get_logger
from hoody_exec.runtime import native
from hoody_exec.typecheck.install import tools_dir

__all__ = [
    "AI_SDK_PACKAGES",
    "PROVIDED_PACKAGES",
    "SdkBundle",
    "ensure_sdk",
    "ensure_sdk_installed",
    "installed_sdk",
    "sdk_dir",
]

log = get_logger("hoody_exec.ai")

# NOTE: exact versions, so every server runs the SDK its docs and types describe;
# an upgrade is a change here plus a test run. zod is the SDK's peer dependency.
AI_SDK_PACKAGES: dict[str, str] = {
    "ai": "7.0.173",
    "@ai-sdk/openai-compatible": "3.0.92",
    "zod": "4.6.7",
}
ENTRY = "hoody-ai-entry.js"
GLOBAL_NAME = "__hoody_ai_sdk"


@dataclass(frozen=True)
class SdkBundle:
    code: str
    source_map: str
    hash: str
    folder: Path
    versions: dict[str, str]


def sdk_dir() -> Path:
    return tools_dir() / f"ai-sdk-{AI_SDK_PACKAGES['ai']}"


def installed_sdk(folder: Path | None = None) -> dict[str, str] | None:
    """The pinned versions if all of them are installed in `folder`, else None."""
    folder = folder or sdk_dir()
    found: dict[str, str] = {}
    for name, version in AI_SDK_PACKAGES.items():
        try:
            manifest = json.loads(
                (folder / "node_modules" / name / "package.json").read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            return None
        if manifest.get("version") != version:
            return None
        found[name] = version
    return found


def _entry_source() -> str:
    return resources.files(__package__).joinpath("js/sdk_entry.js").read_text(encoding="utf-8")


def _bundle(folder: Path, versions: dict[str, str]) -> SdkBundle:
    entry = folder / ENTRY
    source = _entry_source()
    if not entry.is_file() or entry.read_text(encoding="utf-8") != source:
        partial = entry.with_suffix(".tmp")
        partial.write_text(source, encoding="utf-8")
        partial.replace(entry)  # atomic: another process may be bundling it now
    built = native.bundle(str(folder), ENTRY, injected=[], global_name=GLOBAL_NAME)
    return SdkBundle(built.code, built.map, built.hash, folder, versions)


async def _install_and_bundle(folder: Path, installer: Installer | None) -> SdkBundle:
    versions = await _install(folder, installer)
    started = time.monotonic()
    bundle = await asyncio.to_thread(_bundle, folder, versions)
    log.info(
        "AI SDK bundled",
        bytes=len(bundle.code),
        duration_ms=round((time.monotonic() - started) * 1000, 1),
    )
    return bundle


async def _install(folder: Path, installer: Installer | None) -> dict[str, str]:
    """The pinned versions, installed first if they are not all there."""
    versions = installed_sdk(folder)
    if versions is None:
        started = time.monotonic()
        specifiers = [f"{name}@{version}" for name, version in AI_SDK_PACKAGES.items()]
        log.info(
            "installing the AI SDK into the tools cache", folder=str(folder), packages=specifiers
        )

        def progress(message: str) -> None:
            log.info("AI SDK install", step=message)

        base = installer or Installer()
        own = Installer(registry=base.registry, cache=base.cache, progress=progress)
        folder.mkdir(parents=True, exist_ok=True)
        await own.install(folder, specifiers)
        versions = installed_sdk(folder)
        if versions is None:  # pragma: no cover - the installer reported success
            raise RuntimeError(f"the AI SDK is not complete in {folder} after its install")
        log.info(
            "AI SDK installed",
            folder=str(folder),
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
    return versions


_bundles: dict[Path, SdkBundle] = {}
_tasks: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Path, asyncio.Task[SdkBundle]]
] = weakref.WeakKeyDictionary()


async def ensure_sdk(
    folder: Path | None = None, *, installer: Installer | None = None
) -> SdkBundle:
    """The bundled SDK, installing the pinned packages first if needed (once: every
    caller of this process awaits the same task; a failure is retried by the next)."""
    folder = folder.resolve() if folder is not None else sdk_dir()
    done = _bundles.get(folder)
    if done is not None:
        return done
    tasks = _tasks.setdefault(asyncio.get_running_loop(), {})
    task = tasks.get(folder)
    if task is None:
        task = asyncio.get_running_loop().create_task(_install_and_bundle(folder, installer))
        tasks[folder] = task

        def landed(finished: asyncio.Task[SdkBundle]) -> None:
            tasks.pop(folder, None)
            if not finished.cancelled() and finished.exception() is None:
                _bundles[folder] = finished.result()

        task.add_done_callback(landed)
    # Shielded: one request giving up must not cancel the install the others await.
    return await asyncio.shield(task)


async def ensure_sdk_installed(installer: Installer | None = None) -> Path:
    """The SDK's folder, installed if needed but not bundled (its types are all the
    type checker needs); installs of the same folder share the installer's lock."""
    folder = sdk_dir()
    await _install(folder, installer)
    return folder
