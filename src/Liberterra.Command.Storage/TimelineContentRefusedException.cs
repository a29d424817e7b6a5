namespace Liberterra.Command.Storage;

/// <summary>
/// The database refused what a write holds (text it cannot encode or store, a value out of its range): nothing of that
/// write was stored, and the same content will be refused again, so retrying it is pointless. The write path answers
/// the command that holds it with a 422 and commits the rest of its batch without it.
/// </summary>
public sealed class TimelineContentRefusedException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Whether <paramref name="exception"/> is the database refusing a value for its content.</summary>
    public static bool IsContentRefusal(Exception exception) => exception switch
    {
        TimelineContentRefusedException => true,
        // Class 22 is "data exception" (invalid byte sequence 0x00, untranslatable character, value out of range);
        // 54000 "program limit exceeded" (a value too large for an index or a jsonb).
        Npgsql.PostgresException p => p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState == "54000",
        // Npgsql encodes text strictly: a lone surrogate cannot become UTF-8 and fails before anything is sent.
        System.Text.EncoderFallbackException => true,
        _ => exception.InnerException is { } inner && IsContentRefusal(inner),
    };
}
