namespace Liberterra.Command.Domain;

/// <summary>
/// The one rule for every text a client controls (notes, reasons, names, titles, credential subjects): plain text that
/// PostgreSQL can store and a screen can show. NUL and the other control characters are refused (line breaks and tabs
/// only where the text may span lines), and so is a lone half of a surrogate pair, which has no UTF-8 encoding.
/// </summary>
public static class PlainText
{
    /// <summary>Why <paramref name="text"/> is not plain text (the rule's code and its English words), or null when it is.</summary>
    public static (string Code, string Message)? Problem(string text, bool multiline)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c)) return (RuleCodes.BrokenUnicode, "must be valid Unicode text (it holds half of a surrogate pair)");
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
                return multiline
                    ? (RuleCodes.NotPlainText, "must be plain text without control characters (line breaks and tabs are fine)")
                    : (RuleCodes.NotOneLine, "must be plain text on one line, without control characters");
        }

        return null;
    }

    /// <summary>Whether <paramref name="text"/> is plain text (see <see cref="Problem"/>).</summary>
    public static bool IsPlain(string text, bool multiline) => Problem(text, multiline) is null;
}
