using System.Text.Json;
using System.Text.Json.Serialization;

namespace Liberterra.Command.Domain;

/// <summary>The one JSON shape of domain types: on the wire between silos, in the timeline's payload and in the API.</summary>
public static class DomainJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            // jsonb stores object keys in its own order, so the "kind" discriminator may not come first.
            AllowOutOfOrderMetadataProperties = true,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    /// <summary>True for the types of this library (Orleans routes them through its System.Text.Json codec).</summary>
    public static bool IsDomainType(Type type) =>
        type.Assembly == typeof(DomainJson).Assembly && type.Namespace == typeof(DomainJson).Namespace;
}
