package tgtest

import (
	"strings"
	"testing"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		tags    int
		wantErr string
	}{
		{in: "plain", want: "plain"},
		{in: "<b>bold</b> and <I>italic</I>", want: "bold and italic", tags: 2},
		{in: "1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;q&quot; &#39;s&#39; &#x1F600;", want: "1 < 2 && 3 > 2 \"q\" 's' 😀"},
		{in: "a > b", want: "a > b"},
		{in: `<a href="https://x.test/?a=1&amp;b=2">link</a>`, want: "link", tags: 1},
		{in: "<a href='https://x.test'>x</a>", want: "x", tags: 1},
		{in: `<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, want: "st", tags: 2},
		{in: `<pre><code class="language-go">x := 1</code></pre>`, want: "x := 1", tags: 2},
		{in: `<blockquote expandable>q</blockquote>`, want: "q", tags: 1},
		{in: `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, want: "👍", tags: 1},
		{in: "<b>open", wantErr: `Can't find end tag corresponding to start tag "b"`},
		{in: "<b><i>x</b></i>", wantErr: `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{in: "x</b>", wantErr: "Unexpected end tag at byte offset 1"},
		{in: "line<br>break", wantErr: `Unsupported start tag "br" at byte offset 4`},
		{in: "<div>x</div>", wantErr: `Unsupported start tag "div"`},
		{in: "1 < 2", wantErr: "Character '<' at byte offset 2"},
		{in: "Tom & Jerry", wantErr: "Character '&' at byte offset 4"},
		{in: "&nbsp;", wantErr: "Character '&' at byte offset 0"},
		{in: "&#0;", wantErr: "Character '&'"},
		{in: `<a href="https://x.test/?a=1&b=2">l</a>`, wantErr: "Character '&' at byte offset 28"},
		{in: `<span>x</span>`, wantErr: `Tag "span" must have class "tg-spoiler"`},
		{in: `<tg-emoji>x</tg-emoji>`, wantErr: `Tag "tg-emoji" must have attribute "emoji-id"`},
		{in: `<b`, wantErr: `Unclosed start tag "b"`},
		{in: `<a href="x>l</a>`, wantErr: `Unclosed start tag "a"`},
		{in: `<b/>`, wantErr: `Unexpected character '/'`},
	}
	for _, tt := range tests {
		got, tags, err := parseHTML(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseHTML(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || tags != tt.tags {
			t.Errorf("parseHTML(%q) = %q, %d, %v; want %q, %d", tt.in, got, tags, err, tt.want, tt.tags)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"привет", 6},
		{"😀", 2},
		{"a😀b", 4},
	}
	for _, tt := range tests {
		if got := utf16Len(tt.in); got != tt.want {
			t.Errorf("utf16Len(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSpecIsEmbedded(t *testing.T) {
	t.Setenv(specEnv, "")
	sp, err := parseSpec(botAPI)
	if err != nil {
		t.Fatal(err)
	}
	if sp.methods["sendmessage"] == nil || sp.types["Message"] == nil {
		t.Errorf("the embedded Bot API description lacks sendMessage or Message")
	}
}
