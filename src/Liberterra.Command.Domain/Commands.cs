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
    public string Fingerprint => Fingerprints.Of(TeamId, ClientTime, Payload);
}

/// <summary>The answer to a command: the event it became (or already was), or why it was refused.</summary>
/// <param name="Replayed">True when the key had been seen: nothing changed and the original event is returned.</param>
public sealed record CommandOutcome(TimelineEvent? Event, bool Replayed, DomainError? Error)
{
    public static CommandOutcome Refused(DomainError error) => new(null, false, error);
}

/// <summary>Stable fingerprints of request bodies.</summary>
public static class Fingerprints
{
    public static string Of(string? teamId, DateTimeOffset? clientTime, EventPayload payload)
    {
        var json = JsonSerializer.Serialize(payload, DomainJson.Options);
        var text = $"{teamId}\n{clientTime?.UtcTicks}\n{json}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static string Of(TimelineEvent e) => Of(e.TeamId, e.ClientTime, e.Payload);
}
