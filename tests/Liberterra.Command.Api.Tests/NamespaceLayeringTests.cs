using System.Reflection;
using System.Reflection.Emit;
using Liberterra.Command.Server.Hosting;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The server's folders depend on each other one way (Hosting wires Api, Live, Security, Views and Observability; none
/// of those reaches back), read from the compiled assembly: signatures, fields, base types and every type, method and
/// field the IL of each method body touches, lambdas and async state machines included.
/// </summary>
public class the_server_namespaces
{
    private static readonly Assembly Server = typeof(LiberterraServer).Assembly;

    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    [Fact]
    public void form_no_cycle()
    {
        var edges = Dependencies();
        Assert.Contains("Liberterra.Command.Server.Api", edges.Keys);

        var cycles = new List<string>();
        var done = new HashSet<string>();
        void Visit(string node, List<string> path)
        {
            if (path.Contains(node))
            {
                cycles.Add(string.Join(" -> ", path.SkipWhile(n => n != node).Append(node)));
                return;
            }

            if (!done.Add(node)) return;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node, [])) Visit(next, path);
            path.RemoveAt(path.Count - 1);
        }

        foreach (var node in edges.Keys.Order(StringComparer.Ordinal)) Visit(node, []);
        Assert.True(cycles.Count == 0, "namespace cycles: " + string.Join("; ", cycles));
    }

    [Fact]
    public void are_read_from_method_bodies_too()
    {
        // Hosting reaches Live only from inside methods (AddLiberterraApi's registrations): a reader that saw only
        // signatures would find no such edge, and then no cycle through it either.
        Assert.Contains("Liberterra.Command.Server.Live", Dependencies()["Liberterra.Command.Server.Hosting"]);
    }

    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in Server.GetTypes())
        {
            var from = type.Namespace;
            if (from is null || !from.StartsWith("Liberterra.Command.Server", StringComparison.Ordinal)) continue;
            var targets = edges.TryGetValue(from, out var set) ? set : edges[from] = new HashSet<string>(StringComparer.Ordinal);
            void Add(Type? t)
            {
                if (t is null) return;
                if (t.HasElementType) { Add(t.GetElementType()); return; }
                if (t.IsGenericType && !t.IsGenericTypeDefinition)
                {
                    foreach (var a in t.GetGenericArguments()) Add(a);
                    t = t.GetGenericTypeDefinition();
                }

                if (t.Assembly == Server && !t.IsGenericParameter && t.Namespace is { } ns && ns != from) targets.Add(ns);
            }

            Add(type.BaseType);
            foreach (var i in type.GetInterfaces()) Add(i);
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var f in type.GetFields(all)) Add(f.FieldType);
            foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (m is MethodInfo mi) Add(mi.ReturnType);
                foreach (var p in m.GetParameters()) Add(p.ParameterType);
                foreach (var t in BodyReferences(m)) Add(t);
            }
        }

        return edges;
    }

    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short code = il[i++];
            if (code == 0xFE) code = (short)(0xFE00 | il[i++]);
            var operand = Operands[code];
            var token = operand is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok
                ? BitConverter.ToInt32(il, i) : 0;
            i += operand switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (token == 0) continue;
            MemberInfo? member;
            try
            {
                member = method.Module.ResolveMember(token, typeArgs, methodArgs);
            }
            catch (ArgumentException)
            {
                continue;
            }

            switch (member)
            {
                case Type t:
                    yield return t;
                    break;
                case MethodBase m:
                    if (m.DeclaringType is { } d) yield return d;
                    if (m.IsGenericMethod) foreach (var a in m.GetGenericArguments()) yield return a;
                    break;
                case FieldInfo f:
                    if (f.DeclaringType is { } fd) yield return fd;
                    yield return f.FieldType;
                    break;
            }
        }
    }
}
