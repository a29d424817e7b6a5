using System.Text.Json;
using Liberterra.Command.Domain;
using Orleans.Storage;

namespace Liberterra.Command.Grains;

/// <summary>Grain storage in the domain's one JSON shape (Orleans' default would be Newtonsoft with type names).</summary>
public sealed class SnapshotSerializer : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, DomainJson.Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, DomainJson.Options)!;
}
