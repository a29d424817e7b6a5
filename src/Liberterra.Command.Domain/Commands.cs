using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Liberterra.Command.Domain;

/// <summary>A team lead's report or correction on its way to the timeline.</summary>
/// <param name="Payload">A <see cref="FieldReported"/> or a <see cref="ReportCorrected"/>.</param>
public sealed record TeamCommand(
    string OperationId,
    string TeamId,
    string IdempotencyKey,
    string Actor,
    DateTimeOffset? ClientTime,
    EventPayload Payload)
{
    /// <summary>
    /// What makes two requests "the same request" for idempotency: the team, the client time and the body.
    /// Who sent it and when it arrived are not part of it, so a retry from another device still matches.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public UInt128 Fingerprint => Fingerprints.Of(TeamId, ClientTime, Payload);
}

/// <summary>
/// Command's order, cancellation of an order, or taking of a distress call (<see cref="OrderIssued"/>,
/// <see cref="OrderCancelled"/>, <see cref="DistressTaken"/>) on its way to the timeline.
/// </summary>
public sealed record StaffCommand(string OperationId, string IdempotencyKey, string Actor, EventPayload Payload);

/// <summary>The answer to a command: the event it became (or already was), or why it was refused.</summary>
/// <param name="Replayed">True when the key had been seen: nothing changed and the original event is returned.</param>
/// <param name="Team">The team as of right after the event (for a retry: as it is now).</param>
/// <param name="Order">The order the event concerns, as of right after it (for a retry: as it is now).</param>
/// <param name="Distress">The distress call the event concerns, likewise.</param>
public sealed record CommandOutcome(
    TimelineEvent? Event, bool Replayed, DomainError? Error, TeamState? Team = null, OrderState? Order = null, DistressState? Distress = null)
{
    /// <summary>The event's outcome as of <paramref name="state"/> (right after it, or now for a retry).</summary>
    public static CommandOutcome Of(TimelineEvent e, OperationState state, bool replayed)
    {
        var change = CommittedEvent.Of(e, state);
        return new CommandOutcome(e, replayed, null, change.Team, change.Order, change.Distress);
    }

    public static CommandOutcome Refused(DomainError error) => new(null, false, error);
}

/// <summary>Stable fingerprints of request bodies.</summary>
public static class Fingerprints
{
    /// <summary>The first 128 bits of SHA-256 over the team, the client time and the payload's JSON.</summary>
    public static UInt128 Of(string? teamId, DateTimeOffset? clientTime, EventPayload payload) =>
        Of(teamId, clientTime, JsonSerializer.Serialize(payload, DomainJson.Options));

    public static UInt128 Of(string? teamId, DateTimeOffset? clientTime, string payloadJson)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{teamId}\n{clientTime?.UtcTicks}\n{payloadJson}"));
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    public static UInt128 Of(TimelineEvent e) => Of(e.TeamId, e.ClientTime, e.Payload);

    public static byte[] ToBytes(UInt128 fingerprint)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, fingerprint);
        return bytes;
    }

    public static UInt128 FromBytes(byte[] bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
}
