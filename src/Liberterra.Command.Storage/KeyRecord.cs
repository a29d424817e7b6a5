namespace Liberterra.Command.Storage;

/// <summary>An idempotency key already in the timeline: which event it made and the fingerprint of its request.</summary>
public readonly record struct KeyRecord(string Key, UInt128 Fingerprint, long Seq);
