package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// editLine replaces the first line of file containing old with new and
// returns its 1-based number.
func editLine(t *testing.T, file, old, new string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.Contains(l, old) {
			lines[i] = strings.Replace(l, old, new, 1)
			if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", file, old)
	return 0
}

// TestCheckWarnsUntranslated: a category without a Russian name is a
// warning at its line, and check still passes.
func TestCheckWarnsUntranslated(t *testing.T) {
	config, shopDir := copyDemo(t)
	line := editLine(t, filepath.Join(shopDir, "catalog.yaml"), "name: {en: Tea, ru: Чай}", "name: {en: Tea}")
	var out, errOut bytes.Buffer
	if code := cli([]string{"check", "--config", config}, nil, &out, &errOut); code != 0 {
		t.Fatalf("check exit %d; want 0 (a warning does not fail):\n%s", code, errOut.String())
	}
	want := "warning: " + shopDir + "/catalog.yaml:" + strconv.Itoa(line) + `: category "tea": name has no "ru" text: ru shoppers see "Tea"`
	if !strings.Contains(errOut.String(), want+"\n") || !strings.Contains(out.String(), "ok:") {
		t.Errorf("check printed\n%s%s\nwant the line\n%s", out.String(), errOut.String(), want)
	}
}

// TestCheckRefusesAmbiguousPrice: "price: 11,50" fails check at its line,
// saying to write 11.50.
func TestCheckRefusesAmbiguousPrice(t *testing.T) {
	config, shopDir := copyDemo(t)
	line := editLine(t, filepath.Join(shopDir, "catalog.yaml"), "price: 890.00", "price: 11,50")
	var out, errOut bytes.Buffer
	if code := cli([]string{"check", "--config", config}, nil, &out, &errOut); code != 1 {
		t.Fatalf("check exit %d; want 1:\n%s%s", code, out.String(), errOut.String())
	}
	want := shopDir + "/catalog.yaml:" + strconv.Itoa(line) + ":"
	if !strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), `price "11,50": write the decimals after a point, like 11.50`) {
		t.Errorf("check printed\n%s\nwant %s ... like 11.50", errOut.String(), want)
	}
}

// TestCheckRefusesYmlFiles: owner files named .yml are not read, so check
// says to rename each of them instead of passing without their content.
func TestCheckRefusesYmlFiles(t *testing.T) {
	config, shopDir := copyDemo(t)
	if err := os.Rename(filepath.Join(shopDir, "promos.yaml"), filepath.Join(shopDir, "promos.yml")); err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string]string{
		"catalog/tea.yml": "products: [{sku: TEA-X, category: tea, name: X, price: 1}]\n",
		"campaigns.yml":   "campaigns:\n  winback: off\n",
		"flows/cart.yml":  "flow: cart\n",
		"texts/ru.yml":    "menu.text: x\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(shopDir, file)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shopDir, file), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := cli([]string{"check", "--config", config}, nil, &out, &errOut); code != 1 {
		t.Fatalf("check exit %d; want 1:\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"catalog/tea.yml: name the file tea.yaml", "promos.yml: name the file promos.yaml",
		"campaigns.yml: name the file campaigns.yaml", "flows/cart.yml: name the file cart.yaml", "texts/ru.yml: name the file ru.yaml"} {
		if !strings.Contains(errOut.String(), shopDir+"/"+want+"\n") {
			t.Errorf("check printed\n%s\nwant the line %s/%s", errOut.String(), shopDir, want)
		}
	}
}
