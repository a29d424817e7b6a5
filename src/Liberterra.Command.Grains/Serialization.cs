using Liberterra.Command.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace Liberterra.Command.Grains;

/// <summary>
/// Domain types cross grain boundaries in their one JSON shape, so the domain library needs no Orleans attributes.
/// They are immutable records, so calls within a silo pass them by reference instead of copying.
/// </summary>
public static class Serialization
{
    public static ISerializerBuilder AddLiberterraDomain(this ISerializerBuilder builder)
    {
        builder.AddJsonSerializer(
            isSerializable: DomainJson.IsDomainType,
            isCopyable: null,
            configureOptions: options => options.Configure(o => o.SerializerOptions = DomainJson.Create()));
        builder.Services.AddSingleton<IGeneralizedCopier, ImmutableDomainCopier>();
        builder.Services.AddSingleton<ITypeFilter, ImmutableDomainCopier>();
        return builder;
    }

    private sealed class ImmutableDomainCopier : IGeneralizedCopier, ITypeFilter
    {
        public object? DeepCopy(object? input, CopyContext context) => input;

        public bool IsSupportedType(Type type) => DomainJson.IsDomainType(type);

        public bool? IsTypeAllowed(Type type) => IsSupportedType(type) ? true : null;
    }
}
