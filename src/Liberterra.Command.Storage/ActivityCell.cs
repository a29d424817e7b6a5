using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>What one team's reports and corrections added in one time bucket.</summary>
public readonly record struct ActivityCell(string TeamId, int Bucket, Tally Counts);
