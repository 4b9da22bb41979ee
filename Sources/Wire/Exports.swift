// The match model (events, rosters, catalogues, feed lines) is what Wire's codecs encode: every
// user of Wire sees it too.
@_exported import MatchModel
