"""Output shapes stated once: a serializer's declared fields compiled, per class, to one function.

DRF serializes a row field by field (get_attribute, the None check, to_representation, each a
few calls deep), which on a page of 20 posts cost more than the page's SQL. A serializer that
mixes in `CompiledShape` keeps its declared fields as the one statement of its shape (the
OpenAPI schema, the browsable API read them) and answers with the same dict, built by a
`to_representation` written for the class when it is made, each field one plain expression:

- a field read from an attribute path (`source`) of a kind whose DRF form is the stored value
  itself: IntegerField, BigIntegerField (not coerced to a string), CharField, SlugField,
  BooleanField, ChoiceField, ReadOnlyField;
- a DateTimeField, formatted by that field's own `to_representation`;
- a PrimaryKeyRelatedField on a foreign key of the instance: the key's column (`group_id`);
- a SerializerMethodField: its method, on the serializer answering (it sees its context);
- a nested `CompiledShape` serializer without method fields (None stays None).

Any other kind (or one of these with options that change its output, or a source naming a model
method) raises ImproperlyConfigured when the class is made, so a shape is never half compiled.
As with DRF, a None read is None; unlike DRF, a missing attribute (or a None on a dotted path) is
an error rather than a silently dropped key, and a source is read, never called. What a page
needs in bulk (the viewer's role per group, tag names, own reactions) the selectors load on the
rows, Sentry-style, once per page: reading a row then costs no query.
"""

import inspect
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

# Kinds whose to_representation gives back a stored value of the model field's type unchanged.
STORED_AS_SHOWN = (
    serializers.IntegerField,
    serializers.CharField,
    serializers.SlugField,
    serializers.BooleanField,
    serializers.ChoiceField,
    serializers.ReadOnlyField,
)


# Mixin for an output serializer: its to_representation is compiled from its declared fields.
# (No docstring: drf-spectacular would show it as the description of every schema without one.)
class CompiledShape:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "to_representation" in cls.__dict__:
            raise ImproperlyConfigured(
                f"{cls.__name__}: its shape is its declared fields; a to_representation of its "
                "own would state it twice."
            )
        cls.method_fields, cls.to_representation = shape_compile(cls)

    @classmethod
    def represent(cls, instance) -> dict:
        """The shape of `instance` without a serializer, for shapes without method fields."""
        return cls.to_representation(None, instance)


def shape_compile(serializer_class) -> tuple[tuple[str, ...], Callable[[object, object], dict]]:
    """The names of the class's method fields, and the function of (serializer, row) returning
    the row's dict: written once per class from the declared fields, as dataclasses writes an
    __init__, so that it runs as fast as a dict written by hand."""
    prototype = serializer_class()
    namespace: dict = {}
    items, methods = [], []
    for key, field in prototype.fields.items():
        if field.write_only:
            continue
        items.append(f"{key!r}: {_expression(serializer_class, key, field, namespace)}")
        if type(field) is serializers.SerializerMethodField:
            methods.append(field.method_name)
    source = "def to_representation(self, instance):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, f"<shape of {serializer_class.__qualname__}>", "exec"), namespace)
    function = namespace["to_representation"]
    function.__qualname__ = f"{serializer_class.__qualname__}.to_representation"
    return tuple(methods), function


def _expression(serializer_class, key: str, field, namespace: dict) -> str:
    """Python reading the field's value from `instance` (or `self`, for a method field);
    every name in it is an identifier the class declares, every object one in `namespace`."""

    def refuse(why: str):
        return ImproperlyConfigured(
            f"{serializer_class.__name__}.{key}: {type(field).__name__} {why}; declare it "
            "as a SerializerMethodField, or teach divan/api/shapes.py its fast form."
        )

    if type(field) is serializers.SerializerMethodField:
        if not field.method_name.isidentifier():
            raise refuse("names no method")
        return f"self.{field.method_name}(instance)"
    if not field.source_attrs:
        raise refuse("with source='*' has no fast form")
    if not all(attr.isidentifier() for attr in field.source_attrs):
        raise refuse("reading keys rather than attributes has no fast form")
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if inspect.isfunction(getattr(model, field.source_attrs[0], None)):
        raise refuse("reading a method (which DRF would call) has no fast form")
    read = "instance." + ".".join(field.source_attrs)
    kind = type(field)
    if kind in STORED_AS_SHOWN:
        return read
    if kind is serializers.BigIntegerField:
        if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
            raise refuse("coerced to a string has no fast form")
        return read
    if kind is serializers.DateTimeField:
        name = f"show_{len(namespace)}"
        namespace[name] = field.to_representation  # DRF's own formatting; None for None
        return f"{name}({read})"
    if kind is relations.PrimaryKeyRelatedField:
        return "instance." + _foreign_key_column(model, field, refuse)
    if isinstance(field, CompiledShape) and isinstance(field, serializers.Serializer):
        if field.method_fields:
            raise refuse("nested has method fields, which would need their own serializer")
        name = f"nested_{len(namespace)}"
        namespace[name] = type(field).to_representation
        return f"(None if (value := {read}) is None else {name}(None, value))"
    raise refuse("has no fast form")


def _foreign_key_column(model, field, refuse) -> str:
    if field.pk_field is not None or len(field.source_attrs) != 1 or model is None:
        raise refuse("reads a key only as a foreign key column of the model")
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        model_field = None
    if not isinstance(model_field, models.ForeignKey):
        raise refuse("reads a key only as a foreign key column of the model")
    return model_field.attname
