// The match model (events, rosters, catalogues, feed lines) is what Wire's codecs encode: every
// user of Wire sees it too. (The fuzz build compiles both as one module: nothing to import there.)
#if canImport(MatchModel)
@_exported import MatchModel
#endif
