package importer

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

func TestBrandMappingCSV(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []sqp.BrandMapping
	}{
		{"three columns", "asin,brand,product_title\nB0C1234567,Acme,\"Trail shoe, size 10\"\nb0c7654321, Acme ,\n",
			[]sqp.BrandMapping{{ASIN: "B0C1234567", Brand: "Acme", ProductTitle: "Trail shoe, size 10", Active: true},
				{ASIN: "B0C7654321", Brand: "Acme", Active: true}}},
		{"active column, header in other case, BOM", "\ufeffASIN,Brand,Product_Title,Active\r\nB0C1234567,Acme,Shoe,false\r\nB0C7654321,Globex,Hose,yes\r\nB0C0000001,Globex,Reel,\r\n",
			[]sqp.BrandMapping{{ASIN: "B0C1234567", Brand: "Acme", ProductTitle: "Shoe", Active: false},
				{ASIN: "B0C7654321", Brand: "Globex", ProductTitle: "Hose", Active: true},
				{ASIN: "B0C0000001", Brand: "Globex", ProductTitle: "Reel", Active: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse("brands.csv", strings.NewReader(tt.content), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != FormatBrandMapping || !reflect.DeepEqual(res.Mappings, tt.want) {
				t.Errorf("got %s %s, want %s", res.Format, asJSON(res.Mappings), asJSON(tt.want))
			}
		})
	}
}

func TestBrandMappingCSVRefusals(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"bad ASIN", "asin,brand,product_title\nB0C1234567,Acme,x\nNOPE,Acme,y\n",
			`brands.csv: line 3, "asin": value "NOPE", expected ` + expectASIN},
		{"empty brand", "asin,brand,product_title\nB0C1234567, ,x\n",
			`brands.csv: line 2, "brand": value " ", expected a brand name`},
		{"ASIN twice", "asin,brand,product_title\nB0C1234567,Acme,x\nB0C1234567,Globex,y\n",
			`brands.csv: line 3, "asin": value "B0C1234567": the ASIN is already mapped on line 2: one brand per ASIN`},
		{"bad active", "asin,brand,product_title,active\nB0C1234567,Acme,x,maybe\n",
			`brands.csv: line 2, "active": value "maybe", expected true or false (also yes/no, 1/0; blank means true)`},
		{"wrong cell count", "asin,brand,product_title\nB0C1234567,Acme\n",
			`brands.csv: line 2: value "B0C1234567,Acme", expected 3 cells (asin,brand,product_title)`},
		{"header only", "asin,brand,product_title\n",
			`brands.csv: the brand-mapping CSV has a header but no rows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("brands.csv", strings.NewReader(tt.content), Options{})
			var ie *Error
			if !errors.As(err, &ie) || err.Error() != tt.want {
				t.Errorf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}
