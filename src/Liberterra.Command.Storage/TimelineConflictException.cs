namespace Liberterra.Command.Storage;

/// <summary>The append lost a race with another writer; the caller's view of the timeline is stale.</summary>
public sealed class TimelineConflictException(string message, Exception? inner = null) : Exception(message, inner);
