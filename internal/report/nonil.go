package report

import "reflect"

// FillNil replaces, in place, every nil slice reachable from v through
// exported struct fields, pointers, slices, arrays and maps' values by an
// empty one, and every nil map by an empty map, so that a documented list
// is written [] and a documented object {} — never null (`jq '.findings[]'`
// must not fail on a clean run). Nil pointers stay nil: they are the
// documented "null when not asked for" members.
func FillNil(v any) {
	fillNil(reflect.ValueOf(v), 0)
}

// maxFillDepth bounds the walk; klpcheck's documents are a few levels deep.
const maxFillDepth = 64

func fillNil(v reflect.Value, depth int) {
	if !v.IsValid() || depth > maxFillDepth {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			fillNil(v.Elem(), depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if t.Field(i).IsExported() {
				fillNil(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
			return
		}
		if !hasNilable(v.Type().Elem()) {
			return
		}
		for i := 0; i < v.Len(); i++ {
			fillNil(v.Index(i), depth+1)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fillNil(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			return
		}
		if !hasNilable(v.Type().Elem()) {
			return
		}
		// Map values are not addressable: fill a copy and store it back.
		iter := v.MapRange()
		for iter.Next() {
			val := reflect.New(iter.Value().Type()).Elem()
			val.Set(iter.Value())
			fillNil(val, depth+1)
			v.SetMapIndex(iter.Key(), val)
		}
	}
}

// hasNilable reports whether values of t can hold a nil slice or map
// somewhere, so that long lists of plain records (a census's 100,000
// symbols of strings) are not walked element by element.
func hasNilable(t reflect.Type) bool { return nilable(t, 0) }

func nilable(t reflect.Type, depth int) bool {
	if depth > 8 {
		return true // deep or recursive: walk it
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return nilable(t.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && nilable(f.Type, depth+1) {
				return true
			}
		}
	}
	return false
}
