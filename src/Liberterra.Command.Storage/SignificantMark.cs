namespace Liberterra.Command.Storage;

/// <summary>A mark on the significant-events lane.</summary>
public sealed record SignificantMark(long Seq, string Title, string MarkedBy, DateTimeOffset MarkedAt, bool Withdrawn);
