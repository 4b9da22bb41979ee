// The streaming modules, one per role on the data path (docs/ARCHITECTURE.md); importing
// Streaming imports them all, for the executable, the benchmarks and the tests.
@_exported import ClientEngine
@_exported import ClientRuntime
@_exported import DatagramTransport
@_exported import ImpairmentProxy
@_exported import MatchStore
@_exported import RelayRuntime
@_exported import RuntimeSupport
@_exported import ServerEngine
@_exported import ServerRuntime
@_exported import TerminalUI
