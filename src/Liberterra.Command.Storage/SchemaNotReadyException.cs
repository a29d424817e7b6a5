
namespace Liberterra.Command.Storage;

/// <summary>The database is not ready for this server; the message says what is missing and how to fix it.</summary>
public sealed class SchemaNotReadyException(string message) : Exception(message);
