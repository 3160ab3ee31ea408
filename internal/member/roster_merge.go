package member

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// firstSheetMerges returns a filler for the merged ranges of the first sheet.
//
// excelize's GetMergeCells loads the whole worksheet into its object model, which
// takes twice as long as streaming every row, so the ranges are read straight from
// the package instead: they sit in one <mergeCells> element after <sheetData>.
// Only when the package is laid out in a way this quick reader does not follow
// does it fall back to excelize.
func firstSheetMerges(data []byte, f *excelize.File, sheet string) (mergeFiller, error) {
	refs, err := scanFirstSheetMerges(data)
	if err != nil {
		cells, err := f.GetMergeCells(sheet, true)
		if err != nil {
			return mergeFiller{}, err
		}
		refs = make([]string, len(cells))
		for i, mc := range cells {
			refs[i] = mc.GetStartAxis() + ":" + mc.GetEndAxis()
		}
	}
	return newMergeFiller(refs)
}

// errMergeScan means the quick reader could not follow the package.
var errMergeScan = errors.New("member: scan merged cells")

// scanFirstSheetMerges finds the first sheet's part through the package and
// workbook relationships (ECMA-376 part 2) and returns the ref of every merged
// range, such as "D3:D6".
func scanFirstSheetMerges(data []byte) ([]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errMergeScan
	}
	parts := make(map[string]*zip.File, len(zr.File))
	for _, zf := range zr.File {
		parts[strings.TrimPrefix(zf.Name, "/")] = zf
	}
	type relationships struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	var root relationships
	if err := readXMLPart(parts, "_rels/.rels", &root); err != nil {
		return nil, err
	}
	wbPath := ""
	for _, r := range root.Rel {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = strings.TrimPrefix(r.Target, "/")
		}
	}
	var wb struct {
		Sheets []struct {
			ID string `xml:"id,attr"` // r:id, in whichever namespace the file uses
		} `xml:"sheets>sheet"`
	}
	if err := readXMLPart(parts, wbPath, &wb); err != nil || len(wb.Sheets) == 0 {
		return nil, errMergeScan
	}
	var wbRels relationships
	if err := readXMLPart(parts, path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"), &wbRels); err != nil {
		return nil, err
	}
	sheetPath := ""
	for _, r := range wbRels.Rel {
		if r.ID == wb.Sheets[0].ID {
			if strings.HasPrefix(r.Target, "/") {
				sheetPath = strings.TrimPrefix(path.Clean(r.Target), "/")
			} else {
				sheetPath = path.Join(path.Dir(wbPath), r.Target)
			}
		}
	}
	body, err := readPart(parts, sheetPath)
	if err != nil {
		return nil, err
	}

	// <mergeCells> follows </sheetData>; nothing after sheetData holds cell text
	// that could contain the word.
	end := bytes.LastIndex(body, []byte("sheetData"))
	if end < 0 {
		return nil, errMergeScan
	}
	at := bytes.Index(body[end:], []byte("mergeCells"))
	if at < 0 {
		return nil, nil // no merged cells
	}
	start := bytes.LastIndexByte(body[:end+at], '<')
	if start < 0 {
		return nil, errMergeScan
	}
	var refs []string
	dec := xml.NewDecoder(bytes.NewReader(body[start:]))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, errMergeScan
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local == "mergeCell" {
				for _, a := range el.Attr {
					if a.Name.Local == "ref" {
						refs = append(refs, a.Value)
					}
				}
			}
		case xml.EndElement:
			if el.Name.Local == "mergeCells" {
				return refs, nil
			}
		}
	}
}

func readXMLPart(parts map[string]*zip.File, name string, v any) error {
	body, err := readPart(parts, name)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return errMergeScan
	}
	return nil
}

func readPart(parts map[string]*zip.File, name string) ([]byte, error) {
	zf, ok := parts[name]
	if !ok {
		return nil, errMergeScan
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, errMergeScan
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, xlsxUnzipLimit))
	if err != nil {
		return nil, errMergeScan
	}
	return body, nil
}

// mergeFiller gives every cell of a merged range the value of its top-left cell.
// Workers merge the organization cell over all the people of a branch; the file
// stores the value once, but each of those rows means it.
type mergeFiller struct {
	spans  []mergeSpan // sorted by first row
	next   int         // index of the first span not yet active
	active []*mergeSpan
}

type mergeSpan struct {
	r1, c1, r2, c2 int // 1-based, inclusive
	value          string
}

// newMergeFiller takes merged ranges as refs such as "D3:D6".
func newMergeFiller(refs []string) (mergeFiller, error) {
	spans := make([]mergeSpan, 0, len(refs))
	for _, ref := range refs {
		from, to, ok := strings.Cut(ref, ":")
		if !ok {
			continue // a single cell merged with itself merges nothing
		}
		c1, r1, err := excelize.CellNameToCoordinates(from)
		if err != nil {
			return mergeFiller{}, err
		}
		c2, r2, err := excelize.CellNameToCoordinates(to)
		if err != nil {
			return mergeFiller{}, err
		}
		spans = append(spans, mergeSpan{r1: min(r1, r2), c1: min(c1, c2), r2: max(r1, r2), c2: max(c1, c2)})
	}
	slices.SortFunc(spans, func(a, b mergeSpan) int { return a.r1 - b.r1 })
	return mergeFiller{spans: spans}, nil
}

// fill is called with every row in order and returns its cells with merged
// ranges filled in.
func (m *mergeFiller) fill(row int, cells []string) []string {
	m.active = slices.DeleteFunc(m.active, func(s *mergeSpan) bool { return s.r2 < row })
	for m.next < len(m.spans) && m.spans[m.next].r1 <= row {
		if m.spans[m.next].r2 >= row {
			m.active = append(m.active, &m.spans[m.next])
		}
		m.next++
	}
	for _, s := range m.active {
		if s.r1 == row {
			if s.c1 <= len(cells) {
				s.value = cells[s.c1-1]
			}
		}
		if s.value == "" {
			continue
		}
		for c := s.c1; c <= s.c2; c++ {
			if c == s.c1 && row == s.r1 {
				continue
			}
			for len(cells) < c {
				cells = append(cells, "")
			}
			if cells[c-1] == "" {
				cells[c-1] = s.value
			}
		}
	}
	return cells
}
