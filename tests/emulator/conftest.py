"""Fixtures for the emulator tests: the emulator and a fake Zhongshu service, both on real
loopback HTTP servers in background threads, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulator import EmulatorConfig, create_emulator_app
from tests.emulator.emukit import CALLBACK_TIMEOUT, Emu, FakeService, serving


@pytest.fixture(scope="session")
def emu_config() -> EmulatorConfig:
    return EmulatorConfig(callback_timeout=CALLBACK_TIMEOUT)


@pytest.fixture(scope="session")
def fake_service_server(emu_config: EmulatorConfig) -> Iterator[tuple[FakeService, str]]:
    fake = FakeService(emu_config)
    with serving(fake.build_app()) as base:
        emu_config.service_url = base
        yield fake, base


@pytest.fixture(scope="session")
def emu_server(emu_config: EmulatorConfig,
               fake_service_server: tuple[FakeService, str]) -> Iterator[Emu]:
    with serving(create_emulator_app(emu_config)) as base:
        yield Emu(base, emu_config)


@pytest.fixture()
def emu(emu_server: Emu, fake_service_server: tuple[FakeService, str]) -> Emu:
    """A freshly reset emulator (state, clock and faults)."""
    emu_server.post("/_emu/reset").raise_for_status()
    fake_service_server[0].reset()
    return emu_server


@pytest.fixture()
def fake(emu: Emu, fake_service_server: tuple[FakeService, str]) -> FakeService:
    return fake_service_server[0]
