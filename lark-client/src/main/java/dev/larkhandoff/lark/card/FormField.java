package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One input of a {@link FormCard}. On submit Lark reports every field in {@code action.form_value}
 * under its {@link #name()}.
 */
public sealed interface FormField permits FormField.Select, FormField.Checker, FormField.Input {

    /** Lark keys {@code form_value} by name, so names must be unique in a form and safe as JSON keys. */
    Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    /** The key of this field in {@code form_value}. */
    String name();

    /** The 2.0 element of this field. */
    ObjectNode toElement();

    /** A drop-down choice: {@code label} is what people see, {@code value} what the callback carries. */
    record Option(String label, String value) {
        public Option {
            Cards.requireText(label, "option label");
            Cards.requireText(value, "option value");
        }
    }

    /**
     * A single-choice drop-down ({@code select_static}).
     *
     * @param initialValue the pre-selected option's value; the first option when null
     */
    record Select(String name, String label, List<Option> options, String initialValue) implements FormField {
        public Select {
            requireName(name);
            Cards.requireText(label, "select label");
            if (options == null || options.isEmpty()) {
                throw new IllegalArgumentException("select " + name + " needs at least one option");
            }
            options = List.copyOf(options);
            String initial = initialValue == null ? options.get(0).value() : initialValue;
            if (options.stream().noneMatch(o -> o.value().equals(initial))) {
                throw new IllegalArgumentException("select " + name + " has no option " + initial);
            }
            initialValue = initial;
        }

        @Override
        public ObjectNode toElement() {
            ObjectNode e = LarkJson.object().put("tag", "select_static").put("name", name);
            e.set("placeholder", Cards.plainText(label));
            ArrayNode opts = e.putArray("options");
            for (Option o : options) {
                opts.addObject().put("value", o.value()).set("text", Cards.plainText(o.label()));
            }
            e.put("initial_option", initialValue);
            return e;
        }
    }

    /** A checkbox. */
    record Checker(String name, String label, boolean checked) implements FormField {
        public Checker {
            requireName(name);
            Cards.requireText(label, "checker label");
        }

        @Override
        public ObjectNode toElement() {
            ObjectNode e =
                    LarkJson.object().put("tag", "checker").put("name", name).put("checked", checked);
            e.set("text", Cards.plainText(label));
            return e;
        }
    }

    /** A free-text box. */
    record Input(String name, String placeholder, boolean required) implements FormField {
        public Input {
            requireName(name);
            Cards.requireText(placeholder, "input placeholder");
        }

        @Override
        public ObjectNode toElement() {
            ObjectNode e = LarkJson.object().put("tag", "input").put("name", name);
            e.set("placeholder", Cards.plainText(placeholder));
            if (required) {
                e.put("required", true);
            }
            return e;
        }
    }

    /** A drop-down whose options are labelled by their own value. */
    static Select select(String name, String label, String... choices) {
        return new Select(
                name, label, Arrays.stream(choices).map(c -> new Option(c, c)).toList(), null);
    }

    static Checker checker(String name, String label, boolean checked) {
        return new Checker(name, label, checked);
    }

    static Input input(String name, String placeholder) {
        return new Input(name, placeholder, false);
    }

    private static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("form field name must be a letter then letters, digits or _: " + name);
        }
    }
}
