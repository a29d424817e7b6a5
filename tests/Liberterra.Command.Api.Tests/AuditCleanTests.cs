using Liberterra.Command.Server.Security;

namespace Liberterra.Command.Api.Tests;

/// <summary>What the audit trail keeps of a request's text: no control characters, never more than the limit.</summary>
public sealed class AuditCleanTests
{
    [Theory]
    [InlineData("POST /api/operations/op/teams/T1/reports", 300, "POST /api/operations/op/teams/T1/reports")]
    [InlineData("", 10, "-")]
    [InlineData("\u0001\u001f\u007f\u0085", 10, "-")]
    [InlineData("a\r\nb\tc\u0000d\u009fe", 10, "abcde")]
    [InlineData("abcdefghij", 4, "abcd")]
    [InlineData("\nab\ncd\nef", 4, "abcd")]
    [InlineData("équipe-Δ-団", 20, "équipe-Δ-団")]
    public void keeps_printable_text_up_to_the_limit(string text, int max, string expected) =>
        Assert.Equal(expected, AuditTrail.Clean(text, max));

    [Fact]
    public void unchanged_text_is_not_copied()
    {
        var text = "GET /api/operations";
        Assert.Same(text, AuditTrail.Clean(text, 100));
    }
}
